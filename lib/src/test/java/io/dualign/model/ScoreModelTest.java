package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScoreModelTest {
  private static final ModelArchitecture SCORE = TinyModels.lm().withHead(ModelArchitecture.Head.SCORE);

  private static float[] scores(BuiltInTransformer m, TokenBatch b) {
    try (NDManager nm = m.manager().newSubManager()) {
      return m.endScores(b.idsArray(nm), b.maskArray(nm), false).toFloatArray();
    }
  }

  @Test
  void endScoreIsReadAtTheLastRealTokenWhateverThePadding() {
    try (BuiltInTransformer m = BuiltInTransformer.create(SCORE, 8, Device.cpu())) {
      List<long[]> prompts = List.of(new long[] {3, 4, 5}, new long[] {6});
      List<long[]> responses = List.of(new long[] {7}, new long[] {8, 9, 10, 0});
      float[] right = scores(m, TokenBatch.of(prompts, responses, 1, TokenBatch.Padding.RIGHT));
      float[] left = scores(m, TokenBatch.of(prompts, responses, 1, TokenBatch.Padding.LEFT));
      for (int r = 0; r < 2; r++) {
        float alone = scores(m, TokenBatch.of(List.of(prompts.get(r)), List.of(responses.get(r)),
            1, TokenBatch.Padding.RIGHT))[0];
        assertEquals(alone, right[r], 1e-5, "row " + r + " right-padded");
        assertEquals(alone, left[r], 1e-5, "row " + r + " left-padded");
      }
      // The score depends on the last token: changing it changes the score.
      float[] changed = scores(m, TokenBatch.of(List.of(prompts.get(0)), List.of(new long[] {9}), 1,
          TokenBatch.Padding.RIGHT));
      org.junit.jupiter.api.Assertions.assertNotEquals(right[0], changed[0]);
    }
  }

  @Test
  void backboneCopiesFromAPolicyOfTheSameShape() {
    try (BuiltInTransformer lm = TinyModels.newLm(1);
        BuiltInTransformer sm = BuiltInTransformer.create(SCORE, 2, Device.cpu())) {
      sm.copyBackboneFrom(lm);
      List<Parameter> a = lm.trainableParameters();
      List<Parameter> b = sm.trainableParameters();
      int compared = 0;
      // Same order up to the heads: embeddings, layers, final norm; then lmHead vs scoreHead.
      for (int i = 0; i < a.size() - 1; i++) {
        assertArrayEquals(a.get(i).getArray().toFloatArray(), b.get(i).getArray().toFloatArray());
        compared++;
      }
      assertEquals(b.size() - 2, compared); // all but the heads (LM: weight; score: weight, bias)
      assertEquals(a.size() + 1, b.size());
      ModelArchitecture wider = new ModelArchitecture(ModelArchitecture.Head.SCORE, 64, 48, 64, 2,
          4, 64);
      try (BuiltInTransformer other = BuiltInTransformer.create(wider, 3, Device.cpu())) {
        assertThrows(IllegalArgumentException.class, () -> other.copyBackboneFrom(lm));
      }
    }
  }
}
