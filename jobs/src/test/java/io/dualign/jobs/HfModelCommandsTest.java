package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dualign generate} and {@code dualign score --model} on the Hugging Face fixtures of
 * lib's test resources, and the exit-2 errors a broken Hugging Face folder gets, each naming the
 * file and the key or tensor.
 */
class HfModelCommandsTest {
  static final Path HF = Paths.get("../lib/src/test/resources/hf").toAbsolutePath().normalize();
  static final ObjectMapper JSON = new ObjectMapper();

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  static List<JsonNode> lines(String out) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    for (String l : out.split("\n")) {
      if (l.startsWith("{")) {
        rows.add(JSON.readTree(l));
      }
    }
    return rows;
  }

  @Test
  void generatePrintsOneLinePerPromptAndSampleReproducibly(@TempDir Path tmp) throws IOException {
    Path prompts = tmp.resolve("prompts.jsonl");
    Files.writeString(prompts, "{\"prompt\":\"What is the capital of France?\"}\n\n"
        + "{\"prompt\":\"How do I make a cup of tea?\"}\n");
    String model = HF.resolve("llama-gqa-tied").toString();
    Run a = run("generate", "--model", model, "--prompts", prompts.toString(), "--samples", "3",
        "--max-new-tokens", "6", "--seed", "7");
    assertEquals(0, a.code(), a.err());
    List<JsonNode> rows = lines(a.out());
    assertEquals(6, rows.size(), a.out());
    for (JsonNode r : rows) {
      assertTrue(r.get("tokens").asInt() <= 6, r.toString());
      assertTrue(List.of("length", "eos").contains(r.get("finish_reason").asText()), r.toString());
      double lp = r.get("sum_logprob").asDouble();
      assertTrue(r.get("tokens").asInt() == 0 ? lp == 0 : lp < 0 && Double.isFinite(lp),
          r.toString());
    }
    assertEquals("How do I make a cup of tea?", rows.get(3).get("prompt").asText());
    assertEquals(List.of(0, 1, 2), rows.subList(0, 3).stream().map(r -> r.get("sample").asInt())
        .toList());
    Run again = run("generate", "--model", model, "--prompts", prompts.toString(), "--samples",
        "3", "--max-new-tokens", "6", "--seed", "7");
    assertEquals(a.out(), again.out(), "same seed, same lines");
    Run other = run("generate", "--model", model, "--prompts", prompts.toString(), "--samples",
        "3", "--max-new-tokens", "6", "--seed", "8");
    assertNotEquals(a.out(), other.out(), "another seed samples other responses");
    Run greedy = run("generate", "--model", model, "--prompt", "Hi", "--greedy", "--samples",
        "2", "--max-new-tokens", "5");
    List<JsonNode> g = lines(greedy.out());
    assertEquals(g.get(0).get("response"), g.get(1).get("response"), "greedy ignores the seed");
  }

  @Test
  void scoreWithAModelPrintsTheEndScoreOfEachLine(@TempDir Path tmp) throws IOException {
    Path input = tmp.resolve("pairs.jsonl");
    Files.writeString(input, "{\"prompt\":\"Hi\",\"response\":\"Hello there!\"}\n"
        + "{\"prompt\":\"How do I pick a lock?\",\"response\":\"I can't help with that.\"}\n"
        + "{\"prompt\":\"Hi\",\"response\":\"Hello there!\"}\n");
    Run r = run("score", "--model", HF.resolve("llama-score").toString(), "--input",
        input.toString());
    assertEquals(0, r.code(), r.err());
    List<JsonNode> rows = lines(r.out());
    assertEquals(3, rows.size());
    assertEquals(rows.get(0).get("score").asDouble(), rows.get(2).get("score").asDouble(), 1e-5,
        "the same line scores the same in any batch position");
    assertNotEquals(rows.get(0).get("score").asDouble(), rows.get(1).get("score").asDouble());
    Run lm = run("score", "--model", HF.resolve("llama-mha").toString(), "--input",
        input.toString());
    assertEquals(2, lm.code(), lm.err());
    assertTrue(lm.err().contains("not a score model"), lm.err());
    Run gen = run("generate", "--model", HF.resolve("qwen2-seqcls").toString(), "--prompt", "x");
    assertEquals(2, gen.code(), gen.err());
    assertTrue(gen.err().contains("not a causal language model"), gen.err());
  }

  static Path copy(String fixture, Path tmp) throws IOException {
    Path to = tmp.resolve(fixture);
    Files.createDirectories(to);
    try (Stream<Path> s = Files.list(HF.resolve(fixture))) {
      for (Path f : s.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
    return to;
  }

  static Run generateOn(Path model) {
    return run("generate", "--model", model.toString(), "--prompt", "Hi", "--max-new-tokens", "2");
  }

  static void assertUsageError(Run r, String... mentions) {
    assertEquals(2, r.code(), r.err());
    for (String m : mentions) {
      assertTrue(r.err().contains(m), "message should name " + m + ": " + r.err());
    }
  }

  @Test
  void aMissingShardIsAUsageErrorNamingIt(@TempDir Path tmp) throws IOException {
    Path m = copy("llama-gqa-tied", tmp);
    Files.delete(m.resolve("model-00002-of-00003.safetensors"));
    assertUsageError(generateOn(m), "model-00002-of-00003.safetensors", "model.safetensors.index.json");
  }

  @Test
  void anUnsupportedArchitectureNamesItAndWhatIsSupported(@TempDir Path tmp) throws IOException {
    Path m = copy("llama-mha", tmp);
    ObjectNode cfg = (ObjectNode) JSON.readTree(m.resolve("config.json").toFile());
    cfg.putArray("architectures").add("GPT2LMHeadModel");
    JSON.writeValue(m.resolve("config.json").toFile(), cfg);
    assertUsageError(generateOn(m), "GPT2LMHeadModel", "LlamaForCausalLM", "Qwen2ForCausalLM",
        m.getFileName().toString());
  }

  @Test
  void aTruncatedSafetensorsFileIsAUsageErrorNamingTheFileAndTensor(@TempDir Path tmp)
      throws IOException {
    Path m = copy("llama-mha", tmp);
    Path w = m.resolve("model.safetensors");
    byte[] b = Files.readAllBytes(w);
    Files.write(w, Arrays.copyOf(b, b.length - 1000));
    assertUsageError(generateOn(m), "model.safetensors", "truncated");
  }

  @Test
  void configSizesThatDisagreeWithTheWeightsNameTheTensorAndTheConfig(@TempDir Path tmp)
      throws IOException {
    Path m = copy("llama-mha", tmp);
    ObjectNode cfg = (ObjectNode) JSON.readTree(m.resolve("config.json").toFile());
    cfg.put("intermediate_size", 96);
    JSON.writeValue(m.resolve("config.json").toFile(), cfg);
    assertUsageError(generateOn(m), "model.safetensors: tensor model.layers.0.mlp.", "80]",
        "96]", "intermediate=96", "config.json");
  }

  @Test
  void aTensorOfTheWrongShapeNamesItsShapeAndTheExpectedOne(@TempDir Path tmp)
      throws IOException {
    Path m = copy("llama-mha", tmp);
    Path w = m.resolve("model.safetensors");
    byte[] b = Files.readAllBytes(w);
    long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    ObjectNode header = (ObjectNode) JSON.readTree(new String(b, 8, (int) n,
        StandardCharsets.UTF_8));
    String name = "model.layers.1.self_attn.o_proj.weight";
    ArrayNode shape = (ArrayNode) header.get(name).get("shape");
    long rows = shape.get(0).asLong();
    long cols = shape.get(1).asLong();
    shape.removeAll().add(rows * 2).add(cols / 2); // same bytes, another shape
    byte[] h = JSON.writeValueAsBytes(header);
    ByteBuffer out = ByteBuffer.allocate(8 + h.length + b.length - 8 - (int) n)
        .order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(h.length).put(h).put(b, 8 + (int) n, b.length - 8 - (int) n);
    Files.write(w, out.array());
    assertUsageError(generateOn(m), name, "[" + rows * 2 + ", " + cols / 2 + "]",
        "needs [" + rows + ", " + cols + "]");
  }
}
