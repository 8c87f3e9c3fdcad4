package io.dualign.model.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualign.model.TokenBatch;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Loads the bundles {@code jobs/scripts/export_hf_torchscript.py --self-test} wrote (its wrappers around HF-shaped
 * plain-torch models, traced), so the export script's output format is what the Java side reads.
 */
class ExportedBundleTest {
  private static final Path DIR = Reference.ROOT.resolve("export-selftest");

  private static JsonNode reference() throws Exception {
    return new ObjectMapper().readTree(DIR.resolve("reference.json").toFile());
  }

  private static TokenBatch batch(JsonNode ref) {
    JsonNode ids = ref.get("input_ids");
    JsonNode mask = ref.get("attention_mask");
    long[][] i = new long[ids.size()][];
    long[][] m = new long[mask.size()][];
    for (int b = 0; b < ids.size(); b++) {
      i[b] = Reference.longs(ids.get(b));
      m[b] = Reference.longs(mask.get(b));
    }
    return TokenBatch.ofMatrix(i, m);
  }

  @Test
  void exportedCausalLmMatchesItsRecordedLogitsAndTrains() throws Exception {
    JsonNode ref = reference();
    TokenBatch batch = batch(ref);
    float[] want = Reference.floats(ref.get("causal-lm"));
    try (TorchScriptCausalLm lm = TorchScriptCausalLm.load(DIR.resolve("causal-lm"), Device.cpu(), true)) {
      float[][][] logits = lm.logits(batch);
      int v = logits[0][0].length;
      float[] flat = new float[batch.rows() * batch.cols() * v];
      for (int b = 0; b < batch.rows(); b++) {
        for (int t = 0; t < batch.cols(); t++) {
          System.arraycopy(logits[b][t], 0, flat, (b * batch.cols() + t) * v, v);
        }
      }
      double diff = Reference.maxAbsDiff(flat, want);
      System.out.printf("exported (self-test) causal LM logits: max abs diff %.3e%n", diff);
      assertTrue(diff < 1e-5, "max abs diff " + diff);
      try (TorchScriptTrainer trainer = lm.newTrainer(TorchScriptTrainingOptions.constant(1e-2f))) {
        float before = lm.loss(batch);
        trainer.step(batch);
        float after = lm.loss(batch);
        System.out.printf("exported (self-test) causal LM, one step: loss %.5f -> %.5f%n", before, after);
        assertTrue(after < before, before + " -> " + after);
      }
    }
  }

  @Test
  void exportedScoreModelMatchesItsRecordedEndScoresOnBothPaddingSides() throws Exception {
    JsonNode ref = reference();
    TokenBatch right = batch(ref);
    float[] want = Reference.floats(ref.get("score"));
    try (TorchScriptScoreModel score = TorchScriptScoreModel.load(DIR.resolve("score"), Device.cpu())) {
      assertEquals(ModelKind.SCORE, score.bundle().manifest().kind());
      double diff = Reference.maxAbsDiff(score.endScores(right), want);
      java.util.List<long[]> rows = new java.util.ArrayList<>();
      for (int b = 0; b < right.rows(); b++) {
        int real = 0;
        for (long m : right.maskRow(b)) {
          real += (int) m;
        }
        rows.add(java.util.Arrays.copyOf(right.idsRow(b), real));
      }
      double left = Reference.maxAbsDiff(score.endScores(TokenBatch.ofSequences(rows, 0, TokenBatch.Padding.LEFT, 0)), want);
      System.out.printf("exported (self-test) score model end scores: max abs diff %.3e right, %.3e left%n", diff, left);
      assertTrue(diff < 1e-5 && left < 1e-5, diff + " / " + left);
    }
  }
}
