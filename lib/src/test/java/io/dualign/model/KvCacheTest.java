package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KvCacheTest {
  /** Multi-head (4 key/value heads), grouped-query (2) and multi-query (1) attention. */
  @ParameterizedTest
  @ValueSource(ints = {4, 2, 1})
  void cachedLogitsMatchFullRecomputationWithLeftPadding(int kvHeads) {
    try (BuiltInTransformer lm = BuiltInTransformer.create(TinyModels.lm(kvHeads), 1,
        ai.djl.Device.cpu()); NDManager m = lm.manager().newSubManager()) {
      int b = 3;
      int t = 14;
      int prefill = 6;
      long[] ids = new long[b * t];
      int[] mask = new int[b * t];
      Random rnd = new Random(7);
      int[] pads = {0, 3, 5}; // left padding per row
      for (int r = 0; r < b; r++) {
        for (int i = 0; i < t; i++) {
          ids[r * t + i] = i < pads[r] ? 1 : rnd.nextInt(64);
          mask[r * t + i] = i < pads[r] ? 0 : 1;
        }
      }
      float[] full = lm.logits(m.create(ids, new Shape(b, t)), m.create(mask, new Shape(b, t)),
          false).toFloatArray();
      KvCache cache = lm.newCache(m, t);
      float[] cached = new float[b * t * 64];
      for (int len = prefill; len <= t; len++) {
        int from = len == prefill ? 0 : len - 1;
        NDArray in = m.create(ids, new Shape(b, t)).get(":, " + from + ":" + len);
        NDArray mk = m.create(mask, new Shape(b, t)).get(":, :" + len);
        float[] step = lm.logits(in, mk, cache).toFloatArray();
        int n = len - from;
        for (int r = 0; r < b; r++) {
          System.arraycopy(step, r * n * 64, cached, (r * t + from) * 64, n * 64);
        }
      }
      assertEquals(t, cache.length());
      double maxDiff = 0;
      for (int r = 0; r < b; r++) {
        for (int i = pads[r]; i < t; i++) {
          for (int v = 0; v < 64; v++) {
            int k = (r * t + i) * 64 + v;
            maxDiff = Math.max(maxDiff, Math.abs(full[k] - cached[k]));
          }
        }
      }
      assertTrue(maxDiff < 1e-4, "max |cached - full| = " + maxDiff);
    }
  }

  /**
   * No mask (no row has padding) skips the masking work but must give exactly the logits of a
   * mask of ones: in a full forward, a cached prompt and cached single tokens.
   */
  @ParameterizedTest
  @ValueSource(ints = {4, 1})
  void noMaskGivesExactlyTheLogitsOfAMaskOfOnes(int kvHeads) {
    try (BuiltInTransformer lm = BuiltInTransformer.create(TinyModels.lm(kvHeads), 5,
        ai.djl.Device.cpu()); NDManager m = lm.manager().newSubManager()) {
      int b = 2;
      int t = 9;
      long[] ids = new long[b * t];
      Random rnd = new Random(11);
      for (int i = 0; i < ids.length; i++) {
        ids[i] = 2 + rnd.nextInt(62);
      }
      NDArray all = m.create(ids, new Shape(b, t));
      NDArray ones = m.ones(new Shape(b, t), ai.djl.ndarray.types.DataType.INT32);
      float[] full = lm.logits(all, ones, false).toFloatArray();
      assertArrayEquals(full, lm.logits(all, null, false).toFloatArray());
      KvCache masked = lm.newCache(m, t);
      KvCache unmasked = lm.newCache(m, t);
      for (int len = 5; len <= t; len++) {
        int from = len == 5 ? 0 : len - 1;
        NDArray in = all.get(":, " + from + ":" + len);
        float[] withMask = lm.lastLogits(in, ones.get(":, :" + len), masked).toFloatArray();
        float[] without = lm.lastLogits(in, null, unmasked).toFloatArray();
        assertArrayEquals(withMask, without, "length " + len);
        for (int r = 0; r < b; r++) { // and the cached path still matches the full forward
          for (int v = 0; v < 64; v++) {
            assertEquals(full[(r * t + len - 1) * 64 + v], without[r * 64 + v], 1e-4);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {4, 1})
  void cachedGenerationGivesTheSameTokensAsRecomputation(int kvHeads) {
    try (BuiltInTransformer lm = BuiltInTransformer.create(TinyModels.lm(kvHeads), 2,
        ai.djl.Device.cpu())) {
      Generator g = new Generator(lm, 0, 1, null);
      List<long[]> prompts = List.of(new long[] {5, 6, 7, 8, 9}, new long[] {10, 11},
          new long[] {12, 13, 14});
      long[] seeds = {11, 12, 13};
      SamplingParams p = new SamplingParams(1.0, 0.95, 40, 20, List.of());
      List<Generation> withCache = g.generate(prompts, seeds, p, true);
      List<Generation> without = g.generate(prompts, seeds, p, false);
      List<Generation> again = g.generate(prompts, seeds, p, true);
      for (int r = 0; r < 3; r++) {
        assertArrayEquals(without.get(r).tokens(), withCache.get(r).tokens(), "row " + r);
        assertArrayEquals(withCache.get(r).tokens(), again.get(r).tokens(), "row " + r);
        assertTrue(withCache.get(r).tokens().length > 0);
      }
    }
  }
}
