package io.dualign.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/** {@code Sampler} picks one token from a row of logits under {@link SamplingParams}. */
public final class Sampler {
  private Sampler() {}

  private static int id(long key) {
    return (int) (key & 0xFFFFFFFFL);
  }

  /**
   * The sampled token id. Pure given {@code rng}'s state: the same logits, parameters and random
   * state give the same token. Draws exactly one number from {@code rng} unless greedy.
   */
  public static int sample(float[] logits, int offset, int vocab, SamplingParams p,
      SplittableRandom rng) {
    if (p.temperature() == 0) {
      int best = 0;
      for (int i = 1; i < vocab; i++) {
        if (logits[offset + i] > logits[offset + best]) {
          best = i;
        }
      }
      return best;
    }
    // Sort ids by logit, descending (ties: smaller id first), packed as sortable longs.
    long[] keys = new long[vocab];
    for (int i = 0; i < vocab; i++) {
      int bits = Float.floatToIntBits(logits[offset + i]);
      long ascending = (bits ^ ((bits >> 31) | Integer.MIN_VALUE)) & 0xFFFFFFFFL; // unsigned order
      long descending = ~ascending & 0xFFFFFFFFL;
      keys[i] = ((descending << 32) | i) ^ Long.MIN_VALUE; // signed sort == unsigned order
    }
    Arrays.sort(keys);
    int k = p.topK() == 0 ? vocab : Math.min(p.topK(), vocab);
    double max = logits[offset + id(keys[0])] / p.temperature();
    double[] probs = new double[k];
    double sum = 0;
    for (int j = 0; j < k; j++) {
      probs[j] = Math.exp(logits[offset + id(keys[j])] / p.temperature() - max);
      sum += probs[j];
    }
    int kept = k;
    if (p.topP() < 1) {
      double cum = 0;
      for (int j = 0; j < k; j++) {
        cum += probs[j] / sum;
        if (cum >= p.topP()) {
          kept = j + 1;
          break;
        }
      }
    }
    double keptSum = 0;
    for (int j = 0; j < kept; j++) {
      keptSum += probs[j];
    }
    double u = rng.nextDouble() * keptSum;
    double acc = 0;
    for (int j = 0; j < kept; j++) {
      acc += probs[j];
      if (u < acc) {
        return id(keys[j]);
      }
    }
    return id(keys[kept - 1]);
  }
}
