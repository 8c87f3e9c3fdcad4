package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.data.synthetic.SyntheticGenerator;
import io.dualign.run.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prepare command end to end: synthetic default, resume, exit 3 on bad input, exit 2 on a missing one. */
class PrepareCommandTest {
  @TempDir Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void preparesTheSyntheticDefaultAndSkipsItWhenCommitted() throws Exception {
    String runDir = tmp.resolve("run").toString();
    Result r = run("prepare", "--run-dir", runDir, "--profile", "tiny", "--master", "local[2]",
        "--set", "data.syntheticPairs=300");
    assertEquals(0, r.code(), r.err());
    Path prepare = tmp.resolve("run/prepare");
    Map<String, Object> marker = Json.readMap(Files.readAllBytes(prepare.resolve("_SUCCESS.json")));
    assertEquals(300, ((Number) marker.get("pairs")).intValue());
    assertEquals(0, ((Number) marker.get("quarantined")).intValue());
    assertEquals(Map.of(), marker.get("quarantined_by_reason"));
    assertEquals("synthetic", marker.get("input"));
    Map<String, Object> bySplit = (Map<String, Object>) marker.get("pairs_by_split");
    assertEquals(300, ((Number) bySplit.get("train")).intValue()
        + ((Number) bySplit.get("test")).intValue());
    for (String table : List.of("pairs", "prompts", "quarantine")) {
      assertTrue(Files.isDirectory(prepare.resolve(table)), table);
      try (var files = Files.list(prepare.resolve(table))) {
        assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet")), table);
      }
    }
    Map<String, Object> manifest = Json.readMap(Files.readAllBytes(tmp.resolve("run/manifest.json")));
    assertTrue(((Map<String, Object>) manifest.get("inputs")).containsKey("synthetic:seed=42"));
    assertEquals("synthetic", ((Map<String, Object>) manifest.get("config")).get("data.input"));

    Result again = run("prepare", "--run-dir", runDir, "--profile", "tiny", "--master",
        "local[2]", "--set", "data.syntheticPairs=300");
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("prepare: already committed"), again.out());
  }

  /**
   * A conversational multi-turn prompt is rendered by the Hugging Face policy's own chat template
   * (read from its folder): the prompt stored is what that template wraps into the conversation.
   */
  @Test
  void rendersConversationalPromptsWithThePolicysChatTemplate() throws Exception {
    Path policy = Path.of("../lib/src/test/resources/hf/llama-gqa-tied").toAbsolutePath()
        .normalize();
    String turns = "[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\","
        + "\"content\":\"Hello!\"},{\"role\":\"user\",\"content\":\"A joke?\"}]";
    String row = "{\"prompt\":" + turns + ",\"response_0\":\"No.\",\"response_1\":"
        + "\"Two-tired.\",\"is_response_0_safe\":true,\"is_response_1_safe\":true,"
        + "\"better_response_id\":1,\"safer_response_id\":1}";
    String system = row.replace("[{\"role\":\"user\"", "[{\"role\":\"system\",\"content\":"
        + "\"Be brief.\"},{\"role\":\"user\"");
    Path input = tmp.resolve("chat.jsonl");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      lines.add(row.replace("A joke?", "A joke " + i + "?"));
    }
    lines.add(system);
    Files.write(input, lines, StandardCharsets.UTF_8);
    String runDir = tmp.resolve("run-chat").toString();
    Result r = run("prepare", "--input", input.toString(), "--run-dir", runDir, "--profile",
        "tiny", "--master", "local[2]", "--set", "model.policy=" + policy);
    assertEquals(0, r.code(), r.out() + r.err());
    Map<String, Object> marker = Json.readMap(Files.readAllBytes(
        tmp.resolve("run-chat/prepare/_SUCCESS.json")));
    assertEquals(Map.of("bad_dialogue", 1), marker.get("quarantined_by_reason"),
        "the row with a system turn is quarantined");
    // the marker of a file input reads as its record, each file with its lines and sha256
    io.dualign.run.marker.PrepareMarker typed = io.dualign.run.marker.Markers.read(
        tmp.resolve("run-chat/prepare/_SUCCESS.json"), io.dualign.run.marker.PrepareMarker.class);
    io.dualign.run.marker.InputFile file = typed.inputFiles().get("file:" + input);
    assertEquals(201L, file.lines(), typed.inputFiles().toString());
    assertEquals(64, file.sha256().length());
    org.apache.spark.sql.SparkSession spark = io.dualign.dual.TestSpark.local();
    List<org.apache.spark.sql.Row> prompts = spark.read().parquet(runDir + "/prepare/pairs")
        .filter(org.apache.spark.sql.functions.col("prompt").contains("A joke 7?"))
        .select("prompt").collectAsList();
    assertEquals(1, prompts.size());
    assertEquals("Hi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\n"
        + "A joke 7?", prompts.get(0).getString(0));
  }

  @Test
  void rejectsInputWithTooManyBadRowsWithExitThree() throws Exception {
    SyntheticGenerator gen = new SyntheticGenerator(0.3, 0.1, 0.03, 42);
    List<String> lines = new ArrayList<>();
    lines.add(gen.jsonLine(0));
    lines.add(gen.jsonLine(1).substring(0, 40));                       // line 2: truncated
    lines.add(gen.jsonLine(2).replace("\"better_response_id\":", "\"better_response_id\":2,\"x\":"));
    lines.add(gen.jsonLine(3));
    lines.add(gen.jsonLine(4).replaceFirst("\"safer_response_id\":\\d", "\"safer_response_id\":-1"));
    Path input = tmp.resolve("bad.jsonl");
    Files.write(input, lines, StandardCharsets.UTF_8);
    String runDir = tmp.resolve("run-bad").toString();
    Result r = run("prepare", "--input", input.toString(), "--run-dir", runDir, "--profile",
        "tiny", "--master", "local[2]");
    assertEquals(3, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("input data rejected: 3 of 5 rows (60.00%) are bad, more than "
        + "data.maxBadFraction = 0.01"), r.err());
    assertTrue(r.err().matches("(?s).*bad_id +2  e\\.g\\. .*"), r.err());
    assertTrue(r.err().contains("line 3: bad_id: field 'better_response_id' is 2"), r.err());
    assertTrue(r.err().matches("(?s).*malformed_json +1  e\\.g\\. .*"), r.err());
    assertTrue(r.err().contains("line 2: malformed_json"), r.err());
    assertFalse(Files.exists(tmp.resolve("run-bad/prepare/_SUCCESS.json")));

    // the same input passes when the limit allows it, with the counts in the marker
    Result ok = run("prepare", "--input", input.toString(), "--run-dir",
        tmp.resolve("run-lenient").toString(), "--profile", "tiny", "--master", "local[2]",
        "--set", "data.maxBadFraction=0.7");
    assertEquals(0, ok.code(), ok.err());
    Map<String, Object> marker = Json.readMap(Files.readAllBytes(
        tmp.resolve("run-lenient/prepare/_SUCCESS.json")));
    assertEquals(Map.of("bad_id", 2, "malformed_json", 1), marker.get("quarantined_by_reason"));
    assertEquals(2, ((Number) marker.get("pairs")).intValue());
  }

  @Test
  void aMissingInputIsAUsageError() {
    Result r = run("prepare", "--input", tmp.resolve("nope/*.jsonl").toString(), "--run-dir",
        tmp.resolve("run-missing").toString(), "--profile", "tiny", "--master", "local[2]");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("data.input = " + tmp.resolve("nope/*.jsonl")
        + " is not allowed: '" + tmp.resolve("nope/*.jsonl") + "' matches no local file"),
        r.err());
  }
}
