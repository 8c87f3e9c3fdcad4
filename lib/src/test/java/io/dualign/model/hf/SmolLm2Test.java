package io.dualign.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import io.dualign.model.Generation;
import io.dualign.model.Generator;
import io.dualign.model.SamplingParams;
import io.dualign.run.Json;
import io.dualign.text.JinjaChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * SmolLM2-135M-Instruct, installed by {@code dualign fetch-model smollm2-135m-instruct}, gives
 * transformers' results on the same folder ({@code smollm2-reference.json}, made by
 * {@code make_smollm2_reference.py}): the chat template's text and ids for three fixed prompts,
 * and the greedy continuation (up to 32 tokens, ending at EOS where transformers did). CI installs
 * the model ({@code .ci/run}); absent, the test fails in CI and skips elsewhere, saying so.
 */
public class SmolLm2Test {
  public static Path folder() {
    String cache = System.getenv("DUALIGN_MODEL_CACHE");
    Path root = cache != null && !cache.isBlank() ? Paths.get(cache)
        : Paths.get(System.getProperty("user.home"), ".cache", "dualign", "models");
    return root.resolve("smollm2-135m-instruct");
  }

  /** The installed model's folder; absent, a failure in CI and a skip elsewhere, saying so. */
  public static Path requireInstalled() {
    Path dir = folder();
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
      String why = "SmolLM2-135M-Instruct is not installed at " + dir
          + " (jobs/bin/dualign fetch-model smollm2-135m-instruct)";
      if ("true".equals(System.getenv("CI"))) {
        fail(why + "; .ci/run installs it, so in CI this is a failure");
      }
      Assumptions.abort(why);
    }
    return dir;
  }

  @Test
  @SuppressWarnings("unchecked")
  void greedyContinuationsEqualTransformersOnTheSameFolder() throws IOException {
    Path dir = requireInstalled();
    Map<String, Object> ref = Json.readMap(Files.readAllBytes(
        Paths.get("src/test/resources/hf/smollm2-reference.json")));
    FileSystem fs = FileSystem.getLocal(new Configuration());
    try (HfCheckpoint.Loaded m = HfCheckpoint.load(fs,
        new org.apache.hadoop.fs.Path(dir.toUri()), Device.cpu(), "auto")) {
      Map<String, String> sums = (Map<String, String>) ref.get("sha256");
      for (Map.Entry<String, String> e : sums.entrySet()) {
        assertEquals(e.getValue(), m.sha256().get(e.getKey()), e.getKey() + " is the conversion "
            + "the reference was recorded on");
      }
      JinjaChatTemplate template = m.chatTemplate().orElseThrow();
      Generator g = new Generator(m.causalLm(), m.tokenizer().stopIds(), m.tokenizer().padId(),
          null);
      for (Object o : (List<Object>) ref.get("prompts")) {
        Map<String, Object> p = (Map<String, Object>) o;
        String text = template.render(List.of(new JinjaChatTemplate.Message("user",
            (String) p.get("prompt"))), true);
        assertEquals(p.get("text"), text, "chat template of " + p.get("prompt"));
        long[] ids = m.tokenizer().encodePrompt(text);
        assertArrayEquals(longs(p.get("ids")), ids, "ids of " + p.get("prompt"));
        long[] want = longs(p.get("greedy_ids"));
        boolean eos = "eos".equals(p.get("finish"));
        Generation got = g.generate(List.of(ids), new long[1], SamplingParams.greedy(32), true)
            .get(0);
        long[] wantTokens = eos ? java.util.Arrays.copyOf(want, want.length - 1) : want;
        assertArrayEquals(wantTokens, got.tokens(), "greedy continuation of " + p.get("prompt")
            + ": " + m.tokenizer().decode(got.tokens()));
        assertEquals(eos ? Generation.Reason.EOS : Generation.Reason.LENGTH, got.reason());
        assertEquals(p.get("greedy_text"), m.tokenizer().decode(got.tokens()));
      }
    }
  }

  @SuppressWarnings("unchecked")
  static long[] longs(Object list) {
    List<Number> l = new ArrayList<>((List<Number>) list);
    return l.stream().mapToLong(Number::longValue).toArray();
  }
}
