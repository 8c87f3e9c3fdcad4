package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in model's head-only-where-needed paths give what the full logits give: log-probs at
 * chosen positions, and the last column when generating (with and without the cache).
 */
class HeadPositionsTest {
  @Test
  void logProbsAtPositionsEqualTheFullLogitsPicked() {
    try (BuiltInTransformer lm = TinyModels.newLm(8); NDManager m = lm.manager().newSubManager()) {
      TokenBatch b = TokenBatch.of(List.of(new long[] {3, 4, 5}, new long[] {6}),
          List.of(new long[] {7, 8}, new long[] {9, 10, 11}), 1, TokenBatch.Padding.LEFT);
      NDArray ids = b.idsArray(m);
      NDArray mask = b.maskArray(m);
      long[] positions = {2, 3, 5, 6, 7};
      long[] next = new long[positions.length];
      for (int i = 0; i < positions.length; i++) {
        next[i] = b.ids()[(int) positions[i] + 1];
      }
      NDArray pos = m.create(positions, new Shape(positions.length));
      NDArray nx = m.create(next, new Shape(next.length));
      float[] picked = lm.nextTokenLogProbs(ids, mask, pos, nx, false).toFloatArray();
      float[] full = lm.logits(ids, mask, false).toFloatArray();
      for (int i = 0; i < positions.length; i++) {
        int row = (int) positions[i] * 64;
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < 64; v++) {
          max = Math.max(max, full[row + v]);
        }
        double z = 0;
        for (int v = 0; v < 64; v++) {
          z += Math.exp(full[row + v] - max);
        }
        assertEquals(full[row + (int) next[i]] - max - Math.log(z), picked[i], 1e-5, "position "
            + positions[i]);
      }
    }
  }

  @Test
  void lastLogitsEqualTheLastColumnOfTheFullLogits() {
    try (BuiltInTransformer lm = TinyModels.newLm(9); NDManager m = lm.manager().newSubManager()) {
      long[] ids = {1, 1, 5, 6, 7, 8, 9, 10, 11, 12};
      int[] mask = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
      NDArray i2 = m.create(ids, new Shape(2, 5));
      NDArray m2 = m.create(mask, new Shape(2, 5));
      float[] full = lm.logits(i2, m2, false).get(":, -1, :").toFloatArray();
      float[] last = lm.lastLogits(i2, m2, null).toFloatArray();
      KvCache cache = lm.newCache(m, 5);
      lm.lastLogits(i2.get(":, :4"), m2.get(":, :4"), cache);
      float[] cached = lm.lastLogits(i2.get(":, 4:"), m2, cache).toFloatArray();
      assertEquals(full.length, last.length);
      double maxDiff = 0;
      for (int k = 0; k < full.length; k++) {
        maxDiff = Math.max(maxDiff, Math.max(Math.abs(full[k] - last[k]),
            Math.abs(full[k] - cached[k])));
      }
      assertTrue(maxDiff < 1e-5, "max |difference| = " + maxDiff);
    }
  }

  @Test
  void flopAccountingCountsEachMatrixProduct() {
    ModelArchitecture a = new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL, 4096, 256,
        192, 4, 4, 768);
    // Per layer: QKV 192x576, projection 192x192, feed-forward 192x768 and 768x192.
    assertEquals(4L * (192 * 576 + 192 * 192 + 2 * 192 * 768), a.backboneMacsPerToken());
    assertEquals(192L * 4096, a.headMacsPerToken());
    // Multi-query attention (one key/value head): keys and values are 48 wide, not 192.
    ModelArchitecture mqa = new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL, 4096, 256,
        192, 4, 4, 768, 1);
    assertEquals(4L * (192 * (192 + 48 + 48) + 192 * 192 + 2 * 192 * 768),
        mqa.backboneMacsPerToken());
    assertEquals(a.attentionMacs(3, 10), mqa.attentionMacs(3, 10));
    assertEquals(192L, a.withHead(ModelArchitecture.Head.SCORE).headMacsPerToken());
    // q·kᵀ and the weighted sum of values: queries x keys x headDim x heads, per layer, twice.
    assertEquals(2L * 4 * 3 * 10 * 48 * 4, a.attentionMacs(3, 10));
  }
}
