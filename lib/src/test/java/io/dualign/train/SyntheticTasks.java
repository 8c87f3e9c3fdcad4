package io.dualign.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Synthetic token-level tasks with a known signal, for training tests. Token ids: 0 EOS, 1 PAD,
 * 2..9 prompt words, 10..19 helpful, 20..29 unhelpful, 30..39 safe, 40..49 unsafe.
 */
final class SyntheticTasks {
  private SyntheticTasks() {}

  static long[] prompt(Random r) {
    long[] p = new long[3 + r.nextInt(4)];
    for (int i = 0; i < p.length; i++) {
      p[i] = 2 + r.nextInt(8);
    }
    return p;
  }

  /** Response = each prompt token + 8, then EOS: learnable exactly. */
  static List<SftExample> sft(int n, long seed) {
    Random r = new Random(seed);
    List<SftExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] p = prompt(r);
      long[] y = new long[p.length + 1];
      for (int j = 0; j < p.length; j++) {
        y[j] = p[j] + 8;
      }
      out.add(new SftExample(p, y));
    }
    return out;
  }

  static long[] words(Random r, int lo, int len) {
    long[] y = new long[len + 1];
    for (int i = 0; i < len; i++) {
      y[i] = lo + r.nextInt(10);
    }
    return y; // last is EOS (0)
  }

  /**
   * Reward pairs: the preferred response is drawn from helpful words, the other from unhelpful
   * ones, except that with probability {@code noise} the labels are swapped (so no model can
   * exceed 1 - noise accuracy on average).
   */
  static List<PreferenceExample> reward(int n, double noise, long seed) {
    Random r = new Random(seed);
    List<PreferenceExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] p = prompt(r);
      long[] good = words(r, 10, 2 + r.nextInt(4));
      long[] bad = words(r, 20, 2 + r.nextInt(4));
      boolean flip = r.nextDouble() < noise;
      out.add(new PreferenceExample(p, flip ? bad : good, flip ? good : bad, true, true));
    }
    return out;
  }

  /** Cost pairs: safe responses from safe words, unsafe from unsafe ones; a third both unsafe. */
  static List<PreferenceExample> cost(int n, long seed) {
    Random r = new Random(seed);
    List<PreferenceExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] p = prompt(r);
      int kind = r.nextInt(3);
      if (kind == 0) { // safe vs unsafe
        out.add(new PreferenceExample(p, words(r, 30, 3), words(r, 40, 3), true, false));
      } else if (kind == 1) { // both safe: the shorter-safe one preferred
        out.add(new PreferenceExample(p, words(r, 30, 2), words(r, 30, 4), true, true));
      } else { // both unsafe: fewer unsafe words is safer
        out.add(new PreferenceExample(p, words(r, 40, 2), words(r, 40, 5), false, false));
      }
    }
    return out;
  }
}
