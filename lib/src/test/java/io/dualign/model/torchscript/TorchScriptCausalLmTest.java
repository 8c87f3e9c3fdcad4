package io.dualign.model.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.dualign.model.TokenBatch;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TorchScriptCausalLmTest {
  private static TorchScriptCausalLm lm;

  @BeforeAll
  static void load() throws Exception {
    lm = TorchScriptCausalLm.load(Reference.POLICY, Device.cpu(), false);
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  @Test
  void logitsMatchPythonReference() {
    TokenBatch batch = Reference.rightBatch();
    float[][][] logits = lm.logits(batch);
    JsonNode ref = Reference.JSON.get("logits");
    assertEquals(ref.size(), logits.length);
    double max = 0;
    for (int b = 0; b < logits.length; b++) {
      assertEquals(ref.get(b).size(), logits[b].length);
      for (int t = 0; t < logits[b].length; t++) {
        max = Math.max(max, Reference.maxAbsDiff(logits[b][t], Reference.floats(ref.get(b).get(t))));
      }
    }
    System.out.printf("policy logits max abs diff Java vs Python: %.3e (%d x %d x %d)%n", max, logits.length,
        logits[0].length, logits[0][0].length);
    assertTrue(max < 1e-5, "max abs diff " + max);
  }

  /** A null mask (no padding, as the generator passes for unpadded batches) is a mask of ones. */
  @Test
  void noMaskIsAMaskOfOnes() {
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      long[] ids = Reference.rightBatch().idsRow(0);
      ai.djl.ndarray.NDArray in = m.create(ids, new ai.djl.ndarray.types.Shape(1, ids.length));
      float[] ones = lm.logits(in, m.ones(in.getShape(), ai.djl.ndarray.types.DataType.INT64),
          false).toFloatArray();
      float[] none = lm.logits(in, null, false).toFloatArray();
      assertEquals(ids.length * lm.vocabSize(), none.length);
      assertArrayEquals(ones, none);
    }
  }

  @Test
  void leftPaddingGivesTheSameLogitsAtRealTokens() {
    TokenBatch right = Reference.rightBatch();
    TokenBatch left = Reference.leftBatch();
    float[][][] r = lm.logits(right);
    float[][][] l = lm.logits(left);
    double max = 0;
    for (int b = 0; b < right.rows(); b++) {
      int real = 0;
      for (long m : right.maskRow(b)) {
        real += (int) m;
      }
      int offset = left.cols() - real;
      for (int t = 0; t < real; t++) {
        max = Math.max(max, Reference.maxAbsDiff(r[b][t], l[b][offset + t]));
      }
    }
    System.out.printf("policy logits left vs right padding, real tokens: max abs diff %.3e%n", max);
    assertTrue(max < 1e-5, "max abs diff " + max);
  }

  @Test
  void sequenceLogProbsMatchPythonAndTheSumOfLogSoftmax() {
    List<long[]> prompts = Reference.rows("prompt_ids");
    List<long[]> responses = Reference.rows("response_ids");
    float[] got = lm.sequenceLogProbs(prompts, responses);
    float[] want = Reference.floats(Reference.JSON.get("sequence_log_probs"));
    double diff = Reference.maxAbsDiff(got, want);
    System.out.printf("sequence log-probs Java %s vs Python %s: max abs diff %.3e%n",
        java.util.Arrays.toString(got), java.util.Arrays.toString(want), diff);
    assertTrue(diff < 1e-4, "max abs diff " + diff);

    // the same sum computed here from the logits of the unpadded row, one row at a time
    for (int b = 0; b < prompts.size(); b++) {
      long[] p = prompts.get(b);
      long[] r = responses.get(b);
      long[] row = java.util.Arrays.copyOf(p, p.length + r.length);
      System.arraycopy(r, 0, row, p.length, r.length);
      float[][] logits = lm.logits(TokenBatch.ofSequences(List.of(row), 0, TokenBatch.Padding.RIGHT, 0))[0];
      double sum = 0;
      for (int j = 0; j < r.length; j++) {
        float[] z = logits[p.length + j - 1];
        double mx = Double.NEGATIVE_INFINITY;
        for (float v : z) {
          mx = Math.max(mx, v);
        }
        double lse = 0;
        for (float v : z) {
          lse += Math.exp(v - mx);
        }
        sum += z[(int) r[j]] - mx - Math.log(lse);
      }
      assertEquals(sum, got[b], 1e-4, "row " + b);
    }
  }

  @Test
  void lossMatchesPythonReference() {
    float loss = lm.loss(Reference.rightBatch());
    double want = Reference.number("loss");
    System.out.printf("next-token loss Java %.7f Python %.7f%n", loss, want);
    assertEquals(want, loss, 1e-5);
  }

  @Test
  void inferenceModelRefusesToTrain() {
    assertThrows(IllegalStateException.class, () -> lm.newTrainer(TorchScriptTrainingOptions.constant(1e-3f)));
  }

  @Test
  void rejectsTokenIdsOutsideTheVocabulary() {
    int v = lm.bundle().manifest().vocabSize();
    TokenBatch bad = TokenBatch.ofMatrix(new long[][] {{3, v}}, new long[][] {{1, 1}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.logits(bad));
    assertTrue(e.getMessage().contains("token id " + v), e.getMessage());
  }

  @Test
  void rejectsARowWithoutARealToken() {
    TokenBatch empty = TokenBatch.ofMatrix(new long[][] {{1, 2}}, new long[][] {{0, 0}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.logits(empty));
    assertTrue(e.getMessage().contains("row 0 has no real token"), e.getMessage());
  }

}
