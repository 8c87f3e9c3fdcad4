package io.dualign.dual;

import java.io.Serializable;

/**
 * A {@code MomentsAccumulator} is a mutable, mergeable accumulator of count, mean and M2: values
 * are added one at a time with Welford's update, and two accumulators (e.g. of two partitions)
 * merge with the pairwise formula of Chan, Golub and LeVeque (1979), so that the moments of a
 * sample do not depend on how it was split.
 *
 * <p>Non-finite values (NaN, ±∞) never enter the moments: they are counted in
 * {@link Moments#nonFinite()}. The accumulator is not thread-safe.
 */
public final class MomentsAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private long count;
  private double mean;
  private double m2;
  private long nonFinite;

  /** An empty accumulator. */
  public MomentsAccumulator() {}

  /** An accumulator starting from {@code start}. */
  public MomentsAccumulator(Moments start) {
    this.count = start.count();
    this.mean = start.count() == 0 ? 0.0 : start.mean();
    this.m2 = start.m2();
    this.nonFinite = start.nonFinite();
  }

  /** Adds one value (Welford's update); a non-finite value is only counted as such. */
  public void add(double x) {
    if (!Double.isFinite(x)) {
      nonFinite++;
      return;
    }
    count++;
    double delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
  }

  /** Counts a missing value (a null score) as non-finite. */
  public void addMissing() {
    nonFinite++;
  }

  /** Adds every value of another sample (Chan's merge). */
  public void merge(Moments other) {
    nonFinite += other.nonFinite();
    long nb = other.count();
    if (nb == 0) {
      return;
    }
    if (count == 0) {
      count = nb;
      mean = other.mean();
      m2 = other.m2();
      return;
    }
    long n = count + nb;
    double delta = other.mean() - mean;
    mean += delta * ((double) nb / n);
    m2 += other.m2() + delta * delta * ((double) count * nb / n);
    count = n;
  }

  /** Adds every value of another accumulator (Chan's merge). */
  public void merge(MomentsAccumulator other) {
    merge(other.snapshot());
  }

  /** The current moments. */
  public Moments snapshot() {
    return count == 0 ? new Moments(0, Double.NaN, 0.0, nonFinite)
        : new Moments(count, mean, m2, nonFinite);
  }
}
