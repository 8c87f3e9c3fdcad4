package io.dualign.model.hf;

import static io.dualign.model.hf.HfParityTest.TOLERANCE;
import static io.dualign.model.hf.HfParityTest.assertClose;
import static io.dualign.model.hf.HfParityTest.batchedLogits;
import static io.dualign.model.hf.HfParityTest.load;
import static io.dualign.model.hf.HfParityTest.prompts;
import static io.dualign.model.hf.HfParityTest.reference;
import static io.dualign.model.hf.HfParityTest.referenceLogits;
import static io.dualign.model.hf.HfParityTest.scores;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dualign.model.CausalLm;
import io.dualign.model.Generation;
import io.dualign.model.Generator;
import io.dualign.model.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A model loaded for inference ({@link HfCheckpoint.Loaded#forInference}: q/k/v and gate/up
 * projections fused, SiLU and residuals in place) computes what transformers recorded, with and
 * without the KV cache and padding, saves the same folder, and refuses to train.
 */
class FusedInferenceTest {
  @ParameterizedTest
  @MethodSource("io.dualign.model.hf.HfParityTest#causalLms")
  void fusedLogitsAndGreedyTokensMatchTransformers(String name) throws IOException {
    Map<String, Object> ref = reference(name);
    List<long[]> rows = prompts(ref);
    try (HfCheckpoint.Loaded plain = load(name, "float32");
        HfCheckpoint.Loaded fused = load(name, "float32").forInference()) {
      CausalLm lm = fused.causalLm();
      List<float[]> right = batchedLogits(lm, rows, false);
      List<float[]> left = batchedLogits(lm, rows, true);
      for (int r = 0; r < rows.size(); r++) {
        assertClose(referenceLogits(ref, r), right.get(r), TOLERANCE, name + " row " + r);
        assertClose(referenceLogits(ref, r), left.get(r), TOLERANCE, name + " row " + r + " left");
      }
      int longest = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
      SamplingParams p = SamplingParams.greedy(Math.min(12, lm.contextLength() - longest));
      List<Generation> want = new Generator(plain.causalLm(), new long[0],
          plain.tokenizer().padId(), null).generate(rows, new long[rows.size()], p, false);
      Generator g = new Generator(lm, new long[0], fused.tokenizer().padId(), null);
      List<Generation> cached = g.generate(rows, new long[rows.size()], p, true);
      List<Generation> recomputed = g.generate(rows, new long[rows.size()], p, false);
      for (int r = 0; r < rows.size(); r++) {
        assertArrayEquals(want.get(r).tokens(), cached.get(r).tokens(), name + " row " + r);
        assertArrayEquals(want.get(r).tokens(), recomputed.get(r).tokens(), name + " row " + r);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("io.dualign.model.hf.HfParityTest#scoreModels")
  @SuppressWarnings("unchecked")
  void fusedEndScoresMatchTransformers(String name) throws IOException {
    Map<String, Object> ref = reference(name);
    List<long[]> rows = prompts(ref);
    List<Number> want = (List<Number>) ref.get("end_scores");
    try (HfCheckpoint.Loaded m = load(name, "float32").forInference()) {
      for (boolean left : new boolean[] {false, true}) {
        float[] got = scores(m.scoreModel(), rows, left);
        for (int r = 0; r < rows.size(); r++) {
          assertEquals(want.get(r).doubleValue(), got[r], TOLERANCE, name + " row " + r);
        }
      }
    }
  }

  /** The parameters are views of the fused arrays: saving writes the checkpoint unchanged. */
  @ParameterizedTest
  @MethodSource("io.dualign.model.hf.HfParityTest#causalLms")
  void fusedModelSavesTheSameWeightsAndTakesNoMoreMemory(String name, @TempDir Path tmp)
      throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path a = new org.apache.hadoop.fs.Path(tmp.resolve("plain").toUri());
    org.apache.hadoop.fs.Path b = new org.apache.hadoop.fs.Path(tmp.resolve("fused").toUri());
    try (HfCheckpoint.Loaded plain = load(name, "float32");
        HfCheckpoint.Loaded fused = load(name, "float32").forInference()) {
      assertEquals(plain.weightBytes(), fused.weightBytes());
      assertEquals(plain.model().parameterCount(), fused.model().parameterCount());
      assertEquals(HfCheckpoint.save(plain, fs, a), HfCheckpoint.save(fused, fs, b),
          "version (sha256 of the files) of the folder saved from the fused model");
    }
  }

  @Test
  void fusedModelRefusesTrainingAndAdapters() throws IOException {
    try (HfCheckpoint.Loaded m = load("llama-gqa-tied", "float32").forInference()) {
      HfDecoder d = m.model().decoder();
      try (NDManager s = m.model().manager().newSubManager()) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> d.hidden(s.create(new long[] {1, 2, 3}, new Shape(1, 3)), null, null, true));
        assertTrue(e.getMessage().contains("fused for inference"), e.getMessage());
      }
      IllegalStateException again = assertThrows(IllegalStateException.class,
          d::fuseProjectionsForInference);
      assertTrue(again.getMessage().contains("already fused"), again.getMessage());
      assertThrows(IllegalStateException.class, () -> d.attachLora(
          new LoraSpec(2, 4, 0, List.of("q_proj")), m.model().manager(), 0));
    }
  }
}
