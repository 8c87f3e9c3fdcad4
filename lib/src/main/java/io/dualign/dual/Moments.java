package io.dualign.dual;

/**
 * {@code Moments} are the count, mean and sum of squared deviations (M2) of a sample of finite
 * values, plus how many non-finite values (NaN, ±∞, missing) were seen and left out: an immutable
 * snapshot of a {@link MomentsAccumulator}.
 *
 * <p>Contract: {@link #count()} counts only finite values and the moments are over those alone;
 * {@link #nonFinite()} counts the rest. An empty sample ({@code count == 0}) has mean NaN; with
 * fewer than two values the variance, standard error and interval are NaN.
 *
 * @param count number of finite values
 * @param mean their mean (NaN when count is 0)
 * @param m2 Σ (x − mean)² over them (0 when count ≤ 1)
 * @param nonFinite number of NaN, infinite or missing values left out
 */
public record Moments(long count, double mean, double m2, long nonFinite) {
  /** z-quantile of the two-sided 95% normal interval. */
  public static final double Z95 = 1.959963984540054;
  /** The sample with no values. */
  public static final Moments EMPTY = new Moments(0, Double.NaN, 0.0, 0);

  public Moments {
    if (count < 0 || nonFinite < 0) {
      throw new IllegalArgumentException("counts must be >= 0, were count=" + count
          + ", nonFinite=" + nonFinite);
    }
  }

  /** The moments of the finite values among {@code values}. */
  public static Moments of(double... values) {
    MomentsAccumulator a = new MomentsAccumulator();
    for (double v : values) {
      a.add(v);
    }
    return a.snapshot();
  }

  /**
   * Moments from the aggregates SQL engines return (count, avg, var_samp), e.g. Spark's
   * {@code agg(count, avg, var_samp)}; a null/NaN variance (fewer than two values) means M2 = 0.
   */
  public static Moments fromAggregates(long count, Double mean, Double sampleVariance,
      long nonFinite) {
    if (count == 0) {
      return new Moments(0, Double.NaN, 0.0, nonFinite);
    }
    double var = sampleVariance == null || sampleVariance.isNaN() || count < 2 ? 0.0
        : sampleVariance;
    return new Moments(count, mean, var * (count - 1), nonFinite);
  }

  /** Sample variance M2 / (n − 1); NaN with fewer than two values. */
  public double variance() {
    return count < 2 ? Double.NaN : m2 / (count - 1);
  }

  /** Standard deviation of the values; NaN with fewer than two values. */
  public double standardDeviation() {
    return Math.sqrt(variance());
  }

  /** Standard error of the mean, sqrt(variance / n); NaN with fewer than two values. */
  public double standardError() {
    return count < 2 ? Double.NaN : Math.sqrt(variance() / count);
  }

  /** Lower end of the 95% normal interval of the mean, mean − 1.96·se. */
  public double lower95() {
    return mean - Z95 * standardError();
  }

  /** Upper end of the 95% normal interval of the mean, mean + 1.96·se. */
  public double upper95() {
    return mean + Z95 * standardError();
  }

  /** The moments of both samples together (Chan et al.'s parallel formula). */
  public Moments merge(Moments other) {
    MomentsAccumulator a = new MomentsAccumulator(this);
    a.merge(other);
    return a.snapshot();
  }
}
