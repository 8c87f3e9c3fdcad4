package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceLogProbsTest {
  private static final List<long[]> PROMPTS = List.of(new long[] {3, 4, 5, 6}, new long[] {7});
  private static final List<long[]> RESPONSES = List.of(new long[] {8, 9}, new long[] {10, 11, 12, 0});

  @Test
  void sequenceLogProbIsTheSumOfPerStepLogSoftmax() {
    try (BuiltInTransformer lm = TinyModels.newLm(5); NDManager m = lm.manager().newSubManager()) {
      double[] got = SequenceLogProbs.sequenceValues(lm,
          TokenBatch.of(PROMPTS, RESPONSES, 1, TokenBatch.Padding.RIGHT));
      for (int r = 0; r < 2; r++) {
        long[] p = PROMPTS.get(r);
        long[] y = RESPONSES.get(r);
        double expected = 0;
        // One unbatched forward per prefix; log-softmax by hand in double precision.
        for (int i = 0; i < y.length; i++) {
          long[] prefix = new long[p.length + i];
          System.arraycopy(p, 0, prefix, 0, p.length);
          System.arraycopy(y, 0, prefix, p.length, i);
          int[] ones = new int[prefix.length];
          java.util.Arrays.fill(ones, 1);
          float[] logits = lm.logits(m.create(prefix, new Shape(1, prefix.length)),
              m.create(ones, new Shape(1, prefix.length)), false).get("0, -1, :").toFloatArray();
          double max = Double.NEGATIVE_INFINITY;
          for (float f : logits) {
            max = Math.max(max, f);
          }
          double z = 0;
          for (float f : logits) {
            z += Math.exp(f - max);
          }
          expected += logits[(int) y[i]] - max - Math.log(z);
        }
        assertEquals(expected, got[r], 1e-4, "row " + r);
      }
    }
  }

  @Test
  void leftAndRightPaddingGiveTheSameValues() {
    try (BuiltInTransformer lm = TinyModels.newLm(6)) {
      double[] right = SequenceLogProbs.sequenceValues(lm,
          TokenBatch.of(PROMPTS, RESPONSES, 1, TokenBatch.Padding.RIGHT));
      double[] left = SequenceLogProbs.sequenceValues(lm,
          TokenBatch.of(PROMPTS, RESPONSES, 1, TokenBatch.Padding.LEFT));
      for (int r = 0; r < 2; r++) {
        assertEquals(right[r], left[r], 1e-4, "row " + r);
      }
      assertEquals(right[0] < 0, true);
    }
  }

  @Test
  void pairValuesEqualEachResponseScoredOnItsOwn() {
    List<long[]> prompts = List.of(new long[] {3, 4}, new long[] {5, 6, 7}, new long[] {8});
    List<long[]> first = List.of(new long[] {9, 10}, new long[] {11}, new long[] {12, 13, 14});
    List<long[]> second = List.of(new long[] {15}, new long[] {16, 17, 18}, new long[] {19, 20});
    try (BuiltInTransformer lm = TinyModels.newLm(7)) {
      double[][] pairs = SequenceLogProbs.pairValues(lm, 1, prompts, first, second, 2);
      for (int i = 0; i < prompts.size(); i++) {
        double a = SequenceLogProbs.sequenceValues(lm, TokenBatch.of(List.of(prompts.get(i)),
            List.of(first.get(i)), 1, TokenBatch.Padding.RIGHT))[0];
        double b = SequenceLogProbs.sequenceValues(lm, TokenBatch.of(List.of(prompts.get(i)),
            List.of(second.get(i)), 1, TokenBatch.Padding.RIGHT))[0];
        assertEquals(a, pairs[0][i], 1e-4);
        assertEquals(b, pairs[1][i], 1e-4);
      }
    }
  }
}
