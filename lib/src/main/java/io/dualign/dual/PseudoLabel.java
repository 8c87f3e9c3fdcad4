package io.dualign.dual;

import java.nio.charset.StandardCharsets;

/**
 * {@code PseudoLabel} is CAID's relabelling rule for one scored preference pair (x, y0, y1): y1 is
 * preferred with probability σ((r_λ(y1) − r_λ(y0)) / τ), r_λ = r + λᵀg on raw scores (no 1/β, as
 * the MoCAN code does), and the label is a Bernoulli draw whose uniform comes from
 * (run seed, iteration, pair id) alone, so a relabelled pair is the same on every retry and every
 * partitioning.
 */
public final class PseudoLabel {
  private PseudoLabel() {}

  /** r_λ(y1) − r_λ(y0) = (r1 − r0) + Σ_i λ_i (g1_i − g0_i). */
  public static double lagrangianGap(double reward0, double reward1, double[] utility0,
      double[] utility1, double[] lambda) {
    double gap = reward1 - reward0;
    for (int i = 0; i < lambda.length; i++) {
      gap += lambda[i] * (utility1[i] - utility0[i]);
    }
    return gap;
  }

  /** P(y1 ≻ y0) = σ(gap / τ), computed without overflow for any finite gap. */
  public static double preferSecondProbability(double gap, double temperature) {
    if (!(temperature > 0)) {
      throw new IllegalArgumentException("relabel temperature must be > 0, was " + temperature);
    }
    double z = gap / temperature;
    if (z >= 0) {
      return 1.0 / (1.0 + Math.exp(-z));
    }
    double e = Math.exp(z);
    return e / (1.0 + e);
  }

  /** The label: 1 when y1 is preferred (uniform &lt; p), else 0. */
  public static int label(double preferSecondProbability, long runSeed, int iteration,
      String pairId) {
    return uniform(runSeed, iteration, pairId) < preferSecondProbability ? 1 : 0;
  }

  /**
   * A uniform number in [0, 1) determined by (run seed, iteration, pair id): SplitMix64 finalisers
   * over the seed, the iteration and the FNV-1a hash of the id's UTF-8 bytes, top 53 bits.
   */
  public static double uniform(long runSeed, int iteration, String pairId) {
    long h = mix(runSeed ^ 0x5DEECE66DL);
    h = mix(h ^ (0x9E3779B97F4A7C15L * (iteration + 1L)));
    h = mix(h ^ fnv1a(pairId));
    return (h >>> 11) * 0x1.0p-53;
  }

  /** SplitMix64's finaliser: a bijective 64-bit mix. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static long fnv1a(String s) {
    long h = 0xCBF29CE484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xFF);
      h *= 0x100000001B3L;
    }
    return h;
  }
}
