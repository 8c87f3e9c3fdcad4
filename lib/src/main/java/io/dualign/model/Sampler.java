package io.dualign.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * {@code Sampler} picks one token from a row of logits or probabilities under {@link
 * SamplingParams}: greedy at temperature 0; otherwise from the softmax of logits / temperature,
 * cut to the top-k ids, then to the smallest prefix (in order of decreasing probability, ties by
 * smaller id) whose probability reaches top-p, renormalised. The draw walks that prefix in the
 * same order. Nothing is sorted. One pass counts the row's ids and sums their probability per
 * bucket of nearby probabilities (the leading bits of the float: up to 32 buckets per power of
 * two, fewer for small vocabularies); walking the buckets from the most probable down finds the
 * bucket holding the top-k boundary, the one where the top-p mass is reached and the one the draw
 * falls in. A second pass groups the ids of the buckets that can matter by bucket (a counting
 * sort), and only inside those boundary buckets are ids put in order, by selection (a quickselect
 * that carries each side's probability mass). A row of at most 128 ids, or without top-k a row
 * whose nucleus is small (judged on a sample of the row), needs no buckets: its ids are selected
 * from directly (without top-k only those of probability at least (1 - top-p) / vocab of the
 * row's sum, which hold the nucleus). A step costs O(vocab) per row, and the result is the one a
 * walk over the sorted row gives (up to the rounding of the mass sums). Each thread keeps its
 * scratch space (about 256 KB, and 8 bytes per id) between rows.
 */
public final class Sampler {
  /**
   * A probability's bucket is its float bits shifted right by at least this many: at most 2^(23 -
   * MIN_SHIFT) buckets per power of two, ordered like the probabilities.
   */
  private static final int MIN_SHIFT = 18;
  /** Buckets of all 32-bit patterns (those of no probability only flag a row to reject). */
  private static final int BUCKETS = 1 << (32 - MIN_SHIFT);
  /**
   * At most about this many ids of a row, and at most every 16th, are sampled to guess whether its
   * nucleus is large (only in rows of at least 16 times as many ids) or small.
   */
  private static final int SAMPLE = 64;
  /**
   * A row of at most this many ids is small; so is, without top-k, a row where at most about this
   * many ids can be in the nucleus.
   */
  private static final int FEW = 128;
  /** Windows of at most this many ids are sorted by insertion and walked. */
  private static final int SMALL = 24;
  private static final ThreadLocal<Buckets> BUCKETS_OF_THREAD =
      ThreadLocal.withInitial(Buckets::new);

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
   * {@code rng} unless greedy. With top-k or top-p, a probability that is not a finite number
   * {@code >= +0} is rejected.
   */
  public static int sampleProbs(float[] probs, int offset, int vocab, SamplingParams p,
      SplittableRandom rng) {
    if (p.temperature() == 0) {
      return argmax(probs, offset, vocab);
    }
    if (p.topK() == 0 && p.topP() == 1) { // plain sampling: no order needed
      double total = 0;
      for (int i = 0; i < vocab; i++) {
        total += probs[offset + i];
      }
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
    return BUCKETS_OF_THREAD.get().sample(probs, offset, vocab, p, rng);
  }

  /**
   * {@code Buckets} is one thread's scratch space for a row: the count and probability mass of
   * each bucket and the keys of the ids grouped by bucket, most probable bucket first. Counts and
   * masses are all zero between rows.
   */
  private static final class Buckets {
    final int[] count = new int[BUCKETS];
    final double[] mass = new double[BUCKETS];
    /** After {@link #group}: the end of each grouped bucket's keys in {@link #keys}. */
    final int[] next = new int[BUCKETS];
    final double[] cum = new double[1];
    long[] keys = new long[0];
    /** The row's bucket of a probability is its float bits shifted right by this many. */
    int shift;
    /** The least and the most probable bucket counted. */
    int lo;
    int hi;
    /** The row's probability mass. */
    double total;
    /** Set by {@link #walk}: the mass and count of the buckets walked before the one it returns. */
    double above;
    int aboveCount;

    int sample(float[] probs, int offset, int vocab, SamplingParams p, SplittableRandom rng) {
      // About vocab / 128 buckets per power of two, at most 32 (rows counted in buckets have
      // over FEW ids; a single bucket sets shift 31).
      shift = Math.max(MIN_SHIFT, Integer.numberOfLeadingZeros(vocab) - 1);
      lo = 0;
      hi = 0;
      try {
        if (p.topK() == 0 && (vocab < 16 * SAMPLE || !broad(probs, offset, vocab, p.topP()))) {
          total = sum(probs, offset, vocab);
          // The nucleus lies within the ids of probability >= (1 - topP) / vocab of the total:
          // the others hold less than 1 - topP together. When few ids reach that floor (by a
          // sample of the row), only they are kept, in a single bucket: selection over so few
          // costs less than counting the row.
          double floor = (1 - p.topP()) / vocab * total;
          float f = (float) floor;
          int floorBits = Float.floatToRawIntBits(f > floor ? Math.nextDown(f) : f);
          if (vocab <= FEW || few(probs, offset, vocab, floorBits)) {
            collect(probs, offset, vocab, floorBits);
          } else {
            count(probs, offset, vocab);
          }
        } else if (vocab <= FEW) { // top-k in a small row: a single bucket of all its ids
          collect(probs, offset, vocab, 0);
          total = mass[0];
        } else {
          count(probs, offset, vocab);
          double sum = 0;
          for (int b = hi; b >= lo; b--) {
            sum += mass[b];
          }
          total = sum;
        }
        return draw(probs, offset, vocab, p, rng);
      } finally {
        Arrays.fill(count, lo, hi + 1, 0);
        Arrays.fill(mass, lo, hi + 1, 0);
      }
    }

    /**
     * Whether a row is broad: over 3/4 of a sample of {@link #SAMPLE} ids or so reach
     * (1 - topP) times the sample's mean probability. The nucleus of a broad row holds many ids.
     */
    private static boolean broad(float[] probs, int offset, int vocab, double topP) {
      int step = Math.max(16, vocab / SAMPLE);
      int sampled = 0;
      double sum = 0;
      for (int i = 0; i < vocab; i += step) {
        sampled++;
        sum += probs[offset + i];
      }
      double floor = (1 - topP) * sum / sampled;
      int reaching = 0;
      for (int i = 0; i < vocab; i += step) {
        reaching += probs[offset + i] >= floor ? 1 : 0;
      }
      return reaching * 4 > sampled * 3;
    }

    /**
     * Whether, by a sample of {@link #SAMPLE} ids or fewer, at most {@link #FEW} ids or 1/16 of the
     * row reach a floor: selection over that many costs about as much as counting the row.
     */
    private static boolean few(float[] probs, int offset, int vocab, int floorBits) {
      int step = Math.max(16, vocab / SAMPLE);
      int sampled = 0;
      int reaching = 0;
      for (int i = 0; i < vocab; i += step) {
        sampled++;
        reaching += Float.floatToRawIntBits(probs[offset + i]) >= floorBits ? 1 : 0;
      }
      return (long) reaching * vocab <= (long) Math.max(FEW, vocab / 16) * sampled;
    }

    /**
     * The sum of a row's probabilities; rejects a row with a probability that is not a finite
     * number {@code >= +0}.
     */
    private static double sum(float[] probs, int offset, int vocab) {
      double s = 0;
      int signs = 0;
      for (int i = 0; i < vocab; i++) {
        float q = probs[offset + i];
        s += q;
        signs |= Float.floatToRawIntBits(q);
      }
      if (signs < 0 || !Double.isFinite(s)) { // a float sum is finite unless a term is not
        check(probs, offset, vocab);
      }
      return s;
    }

    /** Rejects a row with a probability that is not a finite number {@code >= +0}. */
    private static void check(float[] probs, int offset, int vocab) {
      for (int i = 0; i < vocab; i++) {
        float q = probs[offset + i];
        if (!(q >= 0 && q <= Float.MAX_VALUE) || Float.floatToRawIntBits(q) < 0) { // or -0
          throw new IllegalArgumentException("probability of id " + i + " (row offset " + offset
              + ") must be a finite number >= +0, was " + q);
        }
      }
    }

    /**
     * Puts the keys of the ids of probability bits {@code >= least} in a single bucket (shift 31),
     * in {@link #keys}, and counts them and sums their probability. Rejects a row like {@link
     * #sum} when it keeps every id ({@code least} 0).
     */
    private void collect(float[] probs, int offset, int vocab, int least) {
      shift = 31;
      if (keys.length < vocab) {
        keys = new long[vocab];
      }
      int n = 0;
      double sum = 0;
      int signs = 0;
      for (int i = 0; i < vocab; i++) {
        float q = probs[offset + i];
        int bits = Float.floatToRawIntBits(q);
        signs |= bits;
        if (bits >= least) {
          keys[n++] = key(bits, i);
          sum += q;
        }
      }
      count[0] = n;
      mass[0] = sum;
      next[0] = n;
      if (signs < 0 || !Double.isFinite(sum)) {
        check(probs, offset, vocab);
      }
    }

    /**
     * Counts the ids and sums their probability per bucket; sets {@link #lo} and {@link #hi}.
     * Rejects a row like {@link #sum}: a bit pattern past the largest finite float's bucket
     * (negative, infinite, NaN) makes {@code hi} that large.
     */
    private void count(float[] probs, int offset, int vocab) {
      int min = Integer.MAX_VALUE;
      int max = 0;
      for (int i = 0; i < vocab; i++) {
        float q = probs[offset + i];
        int b = Float.floatToRawIntBits(q) >>> shift;
        count[b]++;
        mass[b] += q;
        min = Math.min(min, b);
        max = Math.max(max, b);
      }
      lo = Math.min(min, max); // no bucket counted (an empty row): [0, 0]
      hi = max;
      if (hi >= Float.floatToRawIntBits(Float.MAX_VALUE) >>> shift) {
        check(probs, offset, vocab);
      }
    }

    /**
     * The drawn id. The kept set, in key order, is every id of the buckets from {@code hi} down
     * to above bucket {@code end}, then the first {@code endCount} keys of bucket {@code end}
     * (when that is not all of them, they are grouped and lie first in its keys).
     */
    private int draw(float[] probs, int offset, int vocab, SamplingParams p,
        SplittableRandom rng) {
      int end = lo;
      int endCount = count[lo];
      double kSum = total;
      if (p.topK() > 0 && p.topK() < vocab) {
        int seen = 0;
        double sum = 0;
        int b = hi;
        while (seen + count[b] < p.topK()) {
          seen += count[b];
          sum += mass[b];
          b--;
        }
        end = b;
        endCount = p.topK() - seen;
        group(probs, offset, vocab, end, seen + count[end]);
        int from = start(end);
        if (endCount < count[end]) {
          selectRank(keys, from, from + count[end], from + endCount);
        }
        kSum = sum;
        for (int j = from; j < from + endCount; j++) {
          kSum += probs[offset + id(keys[j])];
        }
      } else if (p.topP() < 1) { // later walks stop in the top-p bucket: group down to it
        int b = walk(p.topP() * total, false, end);
        group(probs, offset, vocab, b, aboveCount + count[b]);
      } else {
        group(probs, offset, vocab, end, aboveCountOf(end) + count[end]);
      }
      double keptSum = kSum;
      if (p.topP() < 1) {
        int b = walk(p.topP() * kSum, false, end);
        int from = start(b);
        int j = firstReaching(keys, probs, offset, from, from + (b == end ? endCount : count[b]),
            p.topP() * kSum, false, above, cum);
        end = b;
        endCount = j - from + 1;
        keptSum = cum[0];
      }
      double u = rng.nextDouble() * keptSum;
      int b = walk(u, true, end);
      int from = start(b);
      return id(keys[firstReaching(keys, probs, offset, from,
          from + (b == end ? endCount : count[b]), u, true, above, cum)]);
    }

    /**
     * The first bucket from {@code hi} down to above {@code end} at which the cumulative mass
     * reaches {@code target} ({@code >=}, or {@code >} when {@code strict}), else {@code end};
     * sets {@link #above} and {@link #aboveCount} to the mass and count of the buckets before it.
     */
    private int walk(double target, boolean strict, int end) {
      double sum = 0;
      int n = 0;
      int b = hi;
      for (; b > end; b--) {
        if (count[b] != 0 && reaches(sum + mass[b], target, strict)) {
          break;
        }
        sum += mass[b];
        n += count[b];
      }
      above = sum;
      aboveCount = n;
      return b;
    }

    private int aboveCountOf(int bucket) {
      int n = 0;
      for (int b = hi; b > bucket; b--) {
        n += count[b];
      }
      return n;
    }

    /**
     * Puts the keys of the {@code n} ids in buckets {@code hi} down to {@code last} in {@link
     * #keys}, grouped by bucket, most probable bucket first (or of all counted ids, when they are
     * many); {@link #next} marks each group's end.
     */
    private void group(float[] probs, int offset, int vocab, int last, int n) {
      if (shift == 31) {
        return; // collected by collect
      }
      if (n > vocab / 8) { // filtering would mispredict more than it saves
        last = lo;
      }
      int at = 0;
      for (int b = hi; b >= last; b--) {
        next[b] = at;
        at += count[b];
      }
      if (keys.length < at) {
        keys = new long[Math.max(at, 2 * keys.length)];
      }
      int lastBits = last << shift;
      for (int i = 0; i < vocab; i++) {
        int bits = Float.floatToRawIntBits(probs[offset + i]);
        if (bits >= lastBits) {
          keys[next[bits >>> shift]++] = key(bits, i);
        }
      }
    }

    /** Where a grouped bucket's keys begin in {@link #keys}. */
    private int start(int bucket) {
      return next[bucket] - count[bucket];
    }
  }

  /**
   * A sort key of an id, from the bits of its probability: ascending key order = descending
   * probability, then ascending id. Keys are distinct (the id is in the low 32 bits).
   */
  private static long key(int probBits, int id) {
    long bits = probBits & 0xFFFFFFFFL; // probabilities are >= 0: bits ordered
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
   * the last key's position if none does (rounding), where the cumulative probability starts at
   * {@code base} before {@code lo}. Rearranges the keys so that every earlier key of that order
   * lies before the returned position; {@code cum[0]} is set to the cumulative probability
   * through it.
   */
  static int firstReaching(long[] keys, float[] probs, int offset, int lo, int hi, double target,
      boolean strict, double base, double[] cum) {
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
