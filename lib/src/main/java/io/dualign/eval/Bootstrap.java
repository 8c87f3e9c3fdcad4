package io.dualign.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@code Bootstrap} is the percentile bootstrap of a mean: resample the values with replacement
 * {@code resamples} times (seeded, so the interval is reproducible), take each resample's mean,
 * and report the 2.5% and 97.5% quantiles of those means (Efron and Tibshirani, ch. 13). For
 * paired differences the values are per-prompt differences, so resampling prompts keeps pairs.
 */
public final class Bootstrap {
  private Bootstrap() {}

  /** A mean with its 95% percentile interval (all NaN for no values). */
  public record Interval(double mean, double lower, double upper, int n) {}

  /**
   * The mean of {@code values} with its 95% percentile bootstrap interval. One value gives a
   * zero-width interval at it; no value gives NaNs.
   *
   * @throws IllegalArgumentException when {@code resamples < 1} or a value is not finite
   */
  public static Interval mean95(double[] values, int resamples, long seed) {
    if (resamples < 1) {
      throw new IllegalArgumentException("bootstrap resamples must be >= 1, was " + resamples);
    }
    int n = values.length;
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException("bootstrap value " + i + " is not finite: "
            + values[i]);
      }
    }
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    double mean = mean(values);
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] means = new double[resamples];
    for (int b = 0; b < resamples; b++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += values[rnd.nextInt(n)];
      }
      means[b] = s / n;
    }
    Arrays.sort(means);
    return new Interval(mean, quantile(means, 0.025), quantile(means, 0.975), n);
  }

  /** The arithmetic mean (NaN for none). */
  public static double mean(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return values.length == 0 ? Double.NaN : s / values.length;
  }

  /**
   * The {@code q} quantile of sorted values by linear interpolation between order statistics
   * (R's type 7, numpy's default): position (n − 1)·q.
   */
  public static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double pos = (sorted.length - 1) * q;
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
