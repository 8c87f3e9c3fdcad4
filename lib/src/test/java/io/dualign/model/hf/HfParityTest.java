package io.dualign.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.dualign.model.CausalLm;
import io.dualign.model.Generation;
import io.dualign.model.Generator;
import io.dualign.model.SamplingParams;
import io.dualign.model.ScoreModel;
import io.dualign.run.Json;
import io.dualign.text.JinjaChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Hugging Face fixture of {@code src/test/resources/hf} (tiny random-weight models that
 * {@code make_hf_fixtures.py} saved with transformers, with transformers' own outputs recorded)
 * loaded by dualign gives transformers' float32 logits within 1e-4, its greedy tokens, its end
 * scores within 1e-4, the same with left and right padding, the same with and without the KV
 * cache, its chat-template rendering and token ids, and identical logits after a save and load.
 */
class HfParityTest {
  static final Path FIXTURES = Paths.get("src/test/resources/hf");
  static final double TOLERANCE = 1e-4;

  static Stream<String> causalLms() {
    return Stream.of("llama-mha", "llama-gqa-tied", "llama3-rope", "llama-linear-rope", "mistral",
        "qwen2");
  }

  static Stream<String> scoreModels() {
    return Stream.of("llama-seqcls", "qwen2-seqcls", "llama-score");
  }

  static Stream<String> all() {
    return Stream.concat(causalLms(), scoreModels());
  }

  static HfCheckpoint.Loaded load(String name, String dtype) throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    return HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(FIXTURES.resolve(name).toAbsolutePath()
        .toUri()), Device.cpu(), dtype);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> reference(String name) throws IOException {
    return Json.readMap(Files.readAllBytes(FIXTURES.resolve(name).resolve("reference.json")));
  }

  @SuppressWarnings("unchecked")
  static List<long[]> prompts(Map<String, Object> ref) {
    List<long[]> out = new ArrayList<>();
    for (Object row : (List<Object>) ref.get("prompts")) {
      out.add(((List<Number>) row).stream().mapToLong(Number::longValue).toArray());
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static float[] referenceLogits(Map<String, Object> ref, int row) {
    List<Number> flat = (List<Number>) ((List<Object>) ref.get("logits")).get(row);
    float[] out = new float[flat.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = flat.get(i).floatValue();
    }
    return out;
  }

  /** Logits {@code [len, vocab]} of each row, computed in one padded batch (left or right). */
  static List<float[]> batchedLogits(CausalLm lm, List<long[]> rows, boolean left) {
    int width = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
    int b = rows.size();
    long[] ids = new long[b * width];
    long[] mask = new long[b * width];
    for (int r = 0; r < b; r++) {
      long[] row = rows.get(r);
      int start = left ? width - row.length : 0;
      for (int i = 0; i < row.length; i++) {
        ids[r * width + start + i] = row[i];
        mask[r * width + start + i] = 1;
      }
    }
    int v = lm.vocabSize();
    List<float[]> out = new ArrayList<>();
    try (NDManager m = lm.manager().newSubManager()) {
      float[] all = lm.logits(m.create(ids, new Shape(b, width)),
          m.create(mask, new Shape(b, width)), false).toFloatArray();
      for (int r = 0; r < b; r++) {
        int len = rows.get(r).length;
        int start = left ? width - len : 0;
        out.add(Arrays.copyOfRange(all, (r * width + start) * v, (r * width + start + len) * v));
      }
    }
    return out;
  }

  static float[] singleLogits(CausalLm lm, long[] row) {
    try (NDManager m = lm.manager().newSubManager()) {
      return lm.logits(m.create(row, new Shape(1, row.length)), null, false).toFloatArray();
    }
  }

  static void assertClose(float[] want, float[] got, double tol, String what) {
    assertEquals(want.length, got.length, what + ": length");
    double worst = 0;
    for (int i = 0; i < want.length; i++) {
      worst = Math.max(worst, Math.abs(want[i] - got[i]));
    }
    assertTrue(worst <= tol, what + ": max |difference| " + worst + " > " + tol);
  }

  @ParameterizedTest
  @MethodSource("causalLms")
  void logitsMatchTransformersUnpaddedAndWithEitherPadding(String name) throws IOException {
    Map<String, Object> ref = reference(name);
    List<long[]> rows = prompts(ref);
    try (HfCheckpoint.Loaded m = load(name, "float32")) {
      assertEquals(m.model().parameterCount(), m.folder().config().parameterCount(),
          "parameters counted from config.json (doctor's figure) equal the loaded ones");
      CausalLm lm = m.causalLm();
      List<float[]> right = batchedLogits(lm, rows, false);
      List<float[]> left = batchedLogits(lm, rows, true);
      for (int r = 0; r < rows.size(); r++) {
        float[] want = referenceLogits(ref, r);
        assertClose(want, singleLogits(lm, rows.get(r)), TOLERANCE, name + " row " + r);
        assertClose(want, right.get(r), TOLERANCE, name + " row " + r + " right-padded");
        assertClose(want, left.get(r), TOLERANCE, name + " row " + r + " left-padded");
      }
    }
  }

  @ParameterizedTest
  @MethodSource("causalLms")
  @SuppressWarnings("unchecked")
  void greedyTokensEqualTransformersWithAndWithoutTheCache(String name) throws IOException {
    Map<String, Object> ref = reference(name);
    List<long[]> rows = prompts(ref);
    List<Object> greedy = (List<Object>) ref.get("greedy");
    try (HfCheckpoint.Loaded m = load(name, "float32")) {
      // EOS disabled, as the reference was made: exactly 16 tokens per row.
      Generator g = new Generator(m.causalLm(), new long[0], m.tokenizer().padId(), null);
      int recorded = ((List<Object>) greedy.get(0)).size();
      // A sliding-window model (Mistral) is compared on the tokens that fit its window: dualign
      // refuses longer sequences, where transformers would start to drop the oldest keys.
      int longest = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
      int window = m.causalLm().contextLength();
      int n = Math.min(recorded, window - longest);
      SamplingParams p = SamplingParams.greedy(n);
      List<Generation> cached = g.generate(rows, new long[rows.size()], p, true);
      List<Generation> recomputed = g.generate(rows, new long[rows.size()], p, false);
      for (int r = 0; r < rows.size(); r++) {
        long[] want = ((List<Number>) greedy.get(r)).stream().mapToLong(Number::longValue)
            .limit(n).toArray();
        assertArrayEquals(want, cached.get(r).tokens(), name + " row " + r + " (batched, cache)");
        assertArrayEquals(want, recomputed.get(r).tokens(), name + " row " + r + " (no cache)");
      }
      if (m.folder().config().slidingWindow() > 0) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> g.generate(rows, new long[rows.size()],
                SamplingParams.greedy(recorded), true));
        assertTrue(e.getMessage().contains(String.valueOf(window)), e.getMessage());
      }
    }
  }

  @ParameterizedTest
  @MethodSource("scoreModels")
  @SuppressWarnings("unchecked")
  void endScoresMatchTransformersWithEitherPadding(String name) throws IOException {
    Map<String, Object> ref = reference(name);
    List<long[]> rows = prompts(ref);
    List<Number> want = (List<Number>) ref.get("end_scores");
    try (HfCheckpoint.Loaded m = load(name, "float32")) {
      assertEquals(m.model().parameterCount(), m.folder().config().parameterCount(),
          "parameters counted from config.json equal the loaded ones");
      ScoreModel sm = m.scoreModel();
      for (boolean left : new boolean[] {false, true}) {
        float[] got = scores(sm, rows, left);
        for (int r = 0; r < rows.size(); r++) {
          assertEquals(want.get(r).doubleValue(), got[r], TOLERANCE,
              name + " row " + r + (left ? " left" : " right") + "-padded");
        }
      }
    }
  }

  static float[] scores(ScoreModel sm, List<long[]> rows, boolean left) {
    int width = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
    int b = rows.size();
    long[] ids = new long[b * width];
    long[] mask = new long[b * width];
    for (int r = 0; r < b; r++) {
      long[] row = rows.get(r);
      int start = left ? width - row.length : 0;
      for (int i = 0; i < row.length; i++) {
        ids[r * width + start + i] = row[i];
        mask[r * width + start + i] = 1;
      }
    }
    try (NDManager m = sm.manager().newSubManager()) {
      return sm.endScores(m.create(ids, new Shape(b, width)), m.create(mask, new Shape(b, width)),
          false).toFloatArray();
    }
  }

  @ParameterizedTest
  @MethodSource("all")
  @SuppressWarnings("unchecked")
  void chatTemplateAndTokenizerGiveTransformersTextAndIds(String name) throws IOException {
    Map<String, Object> ref = reference(name);
    try (HfCheckpoint.Loaded m = load(name, "float32")) {
      JinjaChatTemplate t = m.chatTemplate().orElseThrow();
      for (Object o : (List<Object>) ref.get("template")) {
        Map<String, Object> c = (Map<String, Object>) o;
        List<JinjaChatTemplate.Message> msgs = new ArrayList<>();
        for (Object mo : (List<Object>) c.get("messages")) {
          Map<String, Object> mm = (Map<String, Object>) mo;
          msgs.add(new JinjaChatTemplate.Message((String) mm.get("role"),
              (String) mm.get("content")));
        }
        String text = t.render(msgs, true);
        assertEquals(c.get("text"), text, name + ": rendering of " + msgs);
        long[] want = ((List<Number>) c.get("ids")).stream().mapToLong(Number::longValue)
            .toArray();
        assertArrayEquals(want, m.tokenizer().encodePrompt(text), name + ": ids of " + msgs);
      }
      Map<String, Object> tok = (Map<String, Object>) ref.get("tokenizer");
      List<Object> texts = (List<Object>) tok.get("texts");
      List<Object> ids = (List<Object>) tok.get("ids");
      for (int i = 0; i < texts.size(); i++) {
        long[] want = ((List<Number>) ids.get(i)).stream().mapToLong(Number::longValue).toArray();
        assertArrayEquals(want, m.tokenizer().encode((String) texts.get(i)),
            name + ": ids of text " + i);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("causalLms")
  void savedFolderLoadsWithIdenticalLogits(String name, @TempDir Path tmp) throws IOException {
    Map<String, Object> ref = reference(name);
    long[] row = prompts(ref).get(1);
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("saved").toUri());
    float[] before;
    String savedVersion;
    try (HfCheckpoint.Loaded m = load(name, "float32")) {
      before = singleLogits(m.causalLm(), row);
      savedVersion = HfCheckpoint.save(m, fs, out);
    }
    try (HfCheckpoint.Loaded again = HfCheckpoint.load(fs, out, Device.cpu(), "auto")) {
      assertArrayEquals(before, singleLogits(again.causalLm(), row), name + " after save/load");
      assertEquals(savedVersion, again.version(), "version of the saved folder");
    }
  }

  /** float16 weights (cast once at load, computed in float32 on the CPU) stay near fp32's. */
  @ParameterizedTest
  @MethodSource("causalLms")
  void float16WeightsGiveLogitsWithinTheirRounding(String name) throws IOException {
    Map<String, Object> ref = reference(name);
    try (HfCheckpoint.Loaded m = load(name, "float16")) {
      assertEquals(DataType.FLOAT16, m.model().trainableParameters().get(0).getArray()
          .getDataType());
      assertCloseToReference(ref, m.causalLm(), FLOAT16_TOLERANCE, name + " float16");
    }
  }

  /**
   * fp16 keeps 11 significant bits (relative rounding 2^-12 per weight); through two layers the
   * logits of these fixtures (|logit| up to about 5) move by well under 0.01.
   */
  static final double FLOAT16_TOLERANCE = 1e-2;
  /** bf16 keeps 8 significant bits (relative rounding 2^-9 per weight): 8× fp16's tolerance. */
  static final double BFLOAT16_TOLERANCE = 8e-2;

  static void assertCloseToReference(Map<String, Object> ref, CausalLm lm, double tol,
      String what) {
    long[] row = prompts(ref).get(1);
    assertClose(referenceLogits(ref, 1), singleLogits(lm, row), tol, what);
  }

  /**
   * A checkpoint stored in bfloat16 (the usual dtype of real Hugging Face models) loads with
   * {@code auto} into float32 exactly and gives logits within bf16's rounding of fp32's;
   * {@code model.dtype = bfloat16} is refused with the reason.
   */
  @ParameterizedTest
  @MethodSource("causalLms")
  void bfloat16CheckpointLoadsIntoFloat32(String name, @TempDir Path tmp) throws IOException {
    Path folder = tmp.resolve(name + "-bf16");
    Bf16Copy.write(FIXTURES.resolve(name), folder);
    Map<String, Object> ref = reference(name);
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(folder.toUri());
    try (HfCheckpoint.Loaded m = HfCheckpoint.load(fs, p, Device.cpu(), "auto")) {
      assertEquals(DataType.FLOAT32, m.model().trainableParameters().get(0).getArray()
          .getDataType());
      assertCloseToReference(ref, m.causalLm(), BFLOAT16_TOLERANCE, name + " bf16 checkpoint");
    }
    HfModelException e = org.junit.jupiter.api.Assertions.assertThrows(HfModelException.class,
        () -> HfCheckpoint.load(fs, p, Device.cpu(), "bfloat16"));
    assertTrue(e.getMessage().contains("float16"), e.getMessage());
  }
}
