package io.dualign.model;

import java.util.SplittableRandom;

/**
 * {@code Sampler} picks one token from a row of logits or probabilities under {@link
 * SamplingParams}: greedy at temperature 0; otherwise from the softmax of logits / temperature,
 * cut to the top-k ids, then to the smallest prefix (in order of decreasing probability, ties by
 * smaller id) whose probability reaches top-p, renormalised. The draw walks that prefix in the
 * same order. Nothing is sorted: the prefix and the drawn id are found by selection (a quickselect
 * that carries each side's probability mass), so a step costs O(vocab) per row instead of a sort
 * of the vocabulary, and the result is the one a walk over the sorted row gives (up to the
 * rounding of the mass sums).
 */
public final class Sampler {
  /** Windows of at most this many ids are sorted by insertion and walked. */
  private static final int SMALL = 24;

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
    return sampleProbs(softmax(logits, offset, vocab, p.temperature()), 0, vocab, p, rng);
  }

  /** softmax(logits / temperature) of one row, computed in double, as floats. */
  public static float[] softmax(float[] logits, int offset, int vocab, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[offset + i] / temperature);
    }
    double[] e = new double[vocab];
    double z = 0;
    for (int i = 0; i < vocab; i++) {
      e[i] = Math.exp(logits[offset + i] / temperature - max);
      z += e[i];
    }
    float[] probs = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      probs[i] = (float) (e[i] / z);
    }
    return probs;
  }

  /**
   * The sampled token id from a row of probabilities at the sampling temperature ({@code
   * probs[offset + i]} for id {@code i}, e.g. a batched softmax on the engine); greedy
   * ({@code p.temperature() == 0}) takes the most probable id. Draws exactly one number from
   * {@code rng} unless greedy.
   */
  public static int sampleProbs(float[] probs, int offset, int vocab, SamplingParams p,
      SplittableRandom rng) {
    if (p.temperature() == 0) {
      return argmax(probs, offset, vocab);
    }
    double total = 0;
    for (int i = 0; i < vocab; i++) {
      total += probs[offset + i];
    }
    if (p.topK() == 0 && p.topP() == 1) { // plain sampling: no order needed
      double u = rng.nextDouble() * total;
      double acc = 0;
      for (int i = 0; i < vocab; i++) {
        acc += probs[offset + i];
        if (u < acc) {
          return i;
        }
      }
      return vocab - 1;
    }
    // Without top-k, the nucleus lies within the ids of probability >= (1 - topP) / vocab: the
    // others hold less than 1 - topP together. Only those are candidates (all ids with top-k).
    double floor = p.topK() == 0 ? (1 - p.topP()) / vocab * total : -1;
    long[] keys = new long[vocab];
    int n = 0;
    for (int i = 0; i < vocab; i++) {
      float q = probs[offset + i];
      if (q < floor) {
        continue;
      }
      keys[n++] = key(q, i);
    }
    int k = p.topK() == 0 ? n : Math.min(p.topK(), n);
    double kSum = total;
    if (p.topK() > 0) {
      if (k < n) {
        selectRank(keys, 0, n, k);
      }
      kSum = 0;
      for (int j = 0; j < k; j++) {
        kSum += probs[offset + id(keys[j])];
      }
    }
    double[] cum = new double[1];
    int kept = k;
    double keptSum = kSum;
    if (p.topP() < 1) {
      kept = firstReaching(keys, probs, offset, 0, k, p.topP() * kSum, false, cum) + 1;
      keptSum = cum[0];
    }
    double u = rng.nextDouble() * keptSum;
    return id(keys[firstReaching(keys, probs, offset, 0, kept, u, true, cum)]);
  }

  /**
   * A sort key of an id: ascending key order = descending probability, then ascending id. Keys
   * are distinct (the id is in the low 32 bits).
   */
  private static long key(float prob, int id) {
    long bits = Float.floatToIntBits(prob) & 0xFFFFFFFFL; // probabilities are >= 0: bits ordered
    return ((0xFFFFFFFFL - bits) << 32 | id) ^ Long.MIN_VALUE; // signed order == unsigned order
  }

  private static int id(long key) {
    return (int) (key & 0xFFFFFFFFL);
  }

  /**
   * Rearranges {@code keys[lo, hi)} so that the {@code rank} smallest keys come first (in any
   * order): a quickselect.
   */
  static void selectRank(long[] keys, int lo, int hi, int rank) {
    while (hi - lo > 1) {
      int m = partition(keys, lo, hi);
      if (m == rank) {
        return;
      } else if (m < rank) {
        lo = m + 1;
      } else {
        hi = m;
      }
    }
  }

  /**
   * The position, in ascending key order, of the first key of {@code keys[lo, hi)} at which the
   * cumulative probability reaches {@code target} ({@code >=}, or {@code >} when {@code strict});
   * the last key's position if none does (rounding). Rearranges the keys so that every earlier
   * key of that order lies before the returned position; {@code cum[0]} is set to the cumulative
   * probability through it.
   */
  static int firstReaching(long[] keys, float[] probs, int offset, int lo, int hi, double target,
      boolean strict, double[] cum) {
    double base = 0; // mass of the keys before lo
    while (hi - lo > SMALL) {
      int m = partition(keys, lo, hi);
      double left = 0;
      for (int j = lo; j < m; j++) {
        left += probs[offset + id(keys[j])];
      }
      double withPivot = base + left + probs[offset + id(keys[m])];
      if (reaches(base + left, target, strict)) {
        hi = m;
      } else if (reaches(withPivot, target, strict)) {
        cum[0] = withPivot;
        return m;
      } else {
        base = withPivot;
        lo = m + 1;
      }
    }
    insertionSort(keys, lo, hi);
    for (int j = lo; j < hi; j++) {
      base += probs[offset + id(keys[j])];
      if (reaches(base, target, strict) || j == hi - 1) {
        cum[0] = base;
        return j;
      }
    }
    throw new IllegalArgumentException("empty range [" + lo + ", " + hi + ")");
  }

  private static boolean reaches(double mass, double target, boolean strict) {
    return strict ? mass > target : mass >= target;
  }

  /**
   * Partitions {@code keys[lo, hi)} around a median-of-three pivot; returns the pivot's final
   * position {@code m}: smaller keys before it, larger after.
   */
  private static int partition(long[] keys, int lo, int hi) {
    int mid = (lo + hi) >>> 1;
    int last = hi - 1;
    // Median of keys[lo], keys[mid], keys[last] moved to keys[last].
    if (keys[mid] < keys[lo]) {
      swap(keys, mid, lo);
    }
    if (keys[last] < keys[lo]) {
      swap(keys, last, lo);
    }
    if (keys[mid] < keys[last]) {
      swap(keys, mid, last);
    }
    long pivot = keys[last];
    int store = lo;
    for (int j = lo; j < last; j++) {
      long v = keys[j];
      if (v < pivot) {
        keys[j] = keys[store];
        keys[store++] = v;
      }
    }
    keys[last] = keys[store];
    keys[store] = pivot;
    return store;
  }

  private static void insertionSort(long[] keys, int lo, int hi) {
    for (int i = lo + 1; i < hi; i++) {
      long v = keys[i];
      int j = i - 1;
      while (j >= lo && keys[j] > v) {
        keys[j + 1] = keys[j];
        j--;
      }
      keys[j + 1] = v;
    }
  }

  private static void swap(long[] a, int i, int j) {
    long t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
