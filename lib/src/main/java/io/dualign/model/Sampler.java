package io.dualign.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@code Sampler} picks one token from a row of logits under {@link SamplingParams}: greedy at
 * temperature 0; otherwise from the softmax of logits / temperature, cut to the top-k ids, then to
 * the smallest prefix whose probability reaches top-p, renormalised.
 */
public final class Sampler {
  private Sampler() {}

  /** The id of the largest logit (the smallest id among equals). */
  public static int argmax(float[] logits, int offset, int vocab) {
    int best = 0;
    for (int i = 1; i < vocab; i++) {
      if (logits[offset + i] > logits[offset + best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * The sampled token id from raw logits. Pure given {@code rng}'s state; draws exactly one
   * number from {@code rng} unless greedy.
   */
  public static int sample(float[] logits, int offset, int vocab, SamplingParams p,
      SplittableRandom rng) {
    if (p.temperature() == 0) {
      return argmax(logits, offset, vocab);
    }
    double t = p.temperature();
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[offset + i] / t);
    }
    double[] e = new double[vocab];
    double z = 0;
    for (int i = 0; i < vocab; i++) {
      e[i] = Math.exp(logits[offset + i] / t - max);
      z += e[i];
    }
    if (p.topK() == 0 && p.topP() == 1) { // plain sampling: no order needed
      double u = rng.nextDouble() * z;
      double acc = 0;
      for (int i = 0; i < vocab; i++) {
        acc += e[i];
        if (u < acc) {
          return i;
        }
      }
      return vocab - 1;
    }
    // Without top-k, the nucleus lies within the ids of probability >= (1 - topP) / vocab: the
    // others hold less than 1 - topP together. Sort only those (all of them with top-k).
    double floor = p.topK() == 0 ? (1 - p.topP()) / vocab * z : -1;
    long[] keys = new long[vocab];
    int n = 0;
    for (int i = 0; i < vocab; i++) {
      if (e[i] < floor) {
        continue;
      }
      int bits = Float.floatToIntBits(logits[offset + i]);
      long ascending = (bits ^ ((bits >> 31) | Integer.MIN_VALUE)) & 0xFFFFFFFFL; // unsigned order
      long descending = ~ascending & 0xFFFFFFFFL;
      keys[n++] = ((descending << 32) | i) ^ Long.MIN_VALUE; // signed sort == unsigned order
    }
    Arrays.sort(keys, 0, n);
    long[] order = new long[n];
    float[] probs = new float[n];
    for (int j = 0; j < n; j++) {
      order[j] = keys[j] & 0xFFFFFFFFL;
      probs[j] = (float) (e[(int) order[j]] / z);
    }
    return sampleSorted(probs, order, 0, n, p, rng);
  }

  /**
   * The sampled token id from a row of probabilities sorted in descending order
   * ({@code sortedProbs[offset + j]} is the probability of id {@code order[offset + j]}), as a
   * batched softmax + sort on the engine gives them; the row may stop after the ids that can be
   * in the top-p nucleus. Draws exactly one number from {@code rng}.
   */
  public static int sampleSorted(float[] sortedProbs, long[] order, int offset, int vocab,
      SamplingParams p, SplittableRandom rng) {
    int k = p.topK() == 0 ? vocab : Math.min(p.topK(), vocab);
    // Top-p is relative to the top-k mass; without top-k, to the whole distribution (1: the row
    // may hold only the ids that can be in the nucleus).
    double kSum = p.topK() == 0 ? 1.0 : 0;
    for (int j = 0; j < k && p.topK() > 0; j++) {
      kSum += sortedProbs[offset + j];
    }
    int kept = k;
    double keptSum = kSum;
    if (p.topP() < 1) {
      double cum = 0;
      for (int j = 0; j < k; j++) {
        cum += sortedProbs[offset + j];
        if (cum >= p.topP() * kSum) {
          kept = j + 1;
          keptSum = cum;
          break;
        }
      }
    }
    double u = rng.nextDouble() * keptSum;
    double acc = 0;
    for (int j = 0; j < kept; j++) {
      acc += sortedProbs[offset + j];
      if (u < acc) {
        return (int) order[offset + j];
      }
    }
    return (int) order[offset + kept - 1];
  }
}
