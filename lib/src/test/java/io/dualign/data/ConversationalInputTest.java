package io.dualign.data;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.DataSettings;
import io.dualign.dual.TestSpark;
import io.dualign.text.ChatTemplate;
import io.dualign.text.ConversationPrompt;
import io.dualign.text.JinjaChatTemplate;
import io.dualign.vocabulary.Hashes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conversational preference rows (prompt and responses as {@code {role, content}} turns) and the
 * splits an input names ({@code data.split = given}), through the real parser and real Spark.
 */
class ConversationalInputTest {
  private static final ObjectMapper M = new ObjectMapper();
  private static final DataSettings S = TestSettings.defaults("x");
  private static final String CHATML = "{% for message in messages %}{{ '<|im_start|>' + "
      + "message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endfor %}"
      + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  private static SparkSession spark;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = TestSpark.local();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static ArrayNode turns(String... roleContent) {
    ArrayNode a = M.createArrayNode();
    for (int i = 0; i < roleContent.length; i += 2) {
      a.addObject().put("role", roleContent[i]).put("content", roleContent[i + 1]);
    }
    return a;
  }

  /** A 7-column row whose prompt and responses are in the conversational form. */
  static ObjectNode row(ArrayNode prompt, String r0, String r1) {
    ObjectNode r = M.createObjectNode();
    r.set("prompt", prompt);
    r.set("response_0", turns("assistant", r0));
    r.set("response_1", turns("assistant", r1));
    r.put("is_response_0_safe", true);
    r.put("is_response_1_safe", false);
    r.put("better_response_id", 1);
    r.put("safer_response_id", 0);
    return r;
  }

  @Test
  void aSingleUserTurnIsThePromptAndItsShaIsChecked() throws Exception {
    ObjectNode r = row(turns("user", "How do I fix a bike?"), "Patch the tube.", "Buy one.");
    r.put("response_0_sha256", Hashes.sha256Hex("How do I fix a bike?Patch the tube."));
    PreferencePair p = PkuSafeRlhfParser.parse(r, S, "pku-saferlhf");
    assertEquals("How do I fix a bike?", p.prompt());
    assertEquals("Patch the tube.", p.response0());
    assertEquals("Buy one.", p.response1());
    r.put("response_0_sha256", Hashes.sha256Hex("something else"));
    assertEquals(RejectReason.SHA256_MISMATCH, assertThrows(BadRowException.class,
        () -> PkuSafeRlhfParser.parse(r, S, "pku-saferlhf")).reason());
  }

  @Test
  void severalTurnsAreRenderedByThePolicyTemplate() throws Exception {
    JinjaChatTemplate t = new JinjaChatTemplate(CHATML, Map.of());
    ConversationPrompt c = ConversationPrompt.of(ChatTemplate.AUTO, Optional.of(t));
    ObjectNode r = row(turns("user", "Hi", "assistant", "Hello!", "user", "Tell me a joke"),
        "Why did the bike fall? It was two-tired.", "No.");
    PreferencePair p = PkuSafeRlhfParser.parse(r, S, "pku-saferlhf", c);
    assertEquals(t.render(List.of(new JinjaChatTemplate.Message("user", "Hi"),
        new JinjaChatTemplate.Message("assistant", "Hello!"),
        new JinjaChatTemplate.Message("user", "Tell me a joke")), true),
        t.promptTemplate().format(p.prompt()));
    assertEquals("Hi ASSISTANT: Hello! USER: Tell me a joke",
        PkuSafeRlhfParser.parse(r, S, "pku-saferlhf").prompt());
  }

  @Test
  void refusedTurnsAreQuarantinedWithTheirReason() {
    assertQuarantined(row(turns("system", "Be terse.", "user", "Hi"), "a", "b"),
        "bad_dialogue: field 'prompt': turn 0 is a system turn");
    assertQuarantined(row(turns("tool", "{}", "user", "Hi"), "a", "b"),
        "bad_dialogue: field 'prompt': turn 0 has role 'tool'");
    ObjectNode twoTurnAnswer = row(turns("user", "Hi"), "a", "b");
    twoTurnAnswer.set("response_1", turns("assistant", "x", "user", "y"));
    assertQuarantined(twoTurnAnswer, "bad_dialogue: field 'response_1' holds 2 turn(s)");
    ObjectNode noRole = row(turns("user", "Hi"), "a", "b");
    ((ObjectNode) noRole.get("prompt").get(0)).remove("role");
    assertQuarantined(noRole, "missing_field: field 'prompt[0].role' is missing");
  }

  private static void assertQuarantined(ObjectNode r, String reasonStart) {
    Row out = new RowParser(S, 42, "f.jsonl").parseText(r.toString(), 7);
    assertEquals("bad", out.getString(0));
    String reason = out.getString(DataTables.PARSED_SCHEMA.fieldIndex("reason"));
    assertTrue(reason.startsWith(reasonStart), reason);
    assertEquals(r.toString(), out.getString(DataTables.PARSED_SCHEMA.fieldIndex("raw")), "the raw row is kept");
  }

  @Test
  void filesNameTheirSplitTheHuggingFaceWay() throws Exception {
    assertEquals("train", GivenSplit.ofPath("hdfs://nn/d/data/train-00000-of-00002.parquet"));
    assertEquals("test", GivenSplit.ofPath("/d/test.jsonl.gz"));
    assertEquals("test", GivenSplit.ofPath("file:/d/test/part-00000.jsonl"));
    assertEquals("train", GivenSplit.ofPath("/d/Alpaca-7B/train_sample.jsonl"));
    assertNull(GivenSplit.ofPath("/d/safe-rlhf-eval-prompts.jsonl"));
    assertNull(GivenSplit.ofPath("/d/trainer.jsonl"));
    assertEquals("test", GivenSplit.ofValue(" Test "));
    BadRowException e = assertThrows(BadRowException.class,
        () -> GivenSplit.ofValue("validation"));
    assertEquals(RejectReason.BAD_SPLIT, e.reason());
  }

  @Test
  void givenSplitsKeepTheInputsSplitAndHashTheRest() throws IOException {
    Path dir = tmp.resolve("data");
    Files.createDirectories(dir);
    write(dir.resolve("train-00000-of-00001.jsonl"), plain("p1"), plain("p2"), plain("shared"),
        withSplit(plain("p3"), "test"), withSplit(plain("p4"), "dev"));
    write(dir.resolve("test-00000-of-00001.jsonl"), plain("p5"), plain("shared"));
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      many.append(M.createObjectNode().put("prompt", "eval prompt " + i)).append('\n');
    }
    Files.writeString(dir.resolve("eval-prompts.jsonl"), many.toString());
    DataSettings given = TestSettings.defaults(dir.toString()).withSplit(DataSettings.GIVEN_SPLIT);
    try (ParsedInput p = ParsedInput.parse(spark, given, 42)) {
      Map<String, String> split = new HashMap<>();
      for (Row r : p.pairsTable().select("prompt", "split").collectAsList()) {
        split.merge(r.getString(0), r.getString(1), (a, b) -> a.equals(b) ? a : "both");
      }
      assertEquals(Map.of("p1", "train", "p2", "train", "p3", "test", "p5", "test",
          "shared", "both"), split);
      assertEquals(1, p.quarantined());
      assertTrue(p.examples().get("bad_split").reason().contains("'dev', expected train or test"),
          p.examples().toString());
      assertEquals("test", p.promptsTable().filter(col("prompt").equalTo("shared")).first()
          .getString(p.promptsTable().first().fieldIndex("split")),
          "a prompt in both given splits is held out");
      long evalTest = p.promptsTable().filter(col("prompt").startsWith("eval prompt ")
          .and(col("split").equalTo("test"))).count();
      assertTrue(evalTest > 5 && evalTest < 40, "a file naming no split is split by hash "
          + "(about 10% of 200 test): " + evalTest);
    }
    try (ParsedInput hashed = ParsedInput.parse(spark, TestSettings.defaults(dir.toString()), 42)) {
      assertEquals(0, hashed.quarantined(), "the split field is only read with given splits");
      assertEquals(0, hashed.pairsTable().groupBy("prompt_id").agg(
          org.apache.spark.sql.functions.countDistinct("split").as("n"))
          .filter(col("n").gt(1)).count(), "hash splits stay prompt-disjoint");
    }
  }

  private static ObjectNode plain(String prompt) {
    ObjectNode r = row(turns("user", prompt), "a " + prompt, "b " + prompt);
    return r;
  }

  private static ObjectNode withSplit(ObjectNode r, String split) {
    r.put("split", split);
    return r;
  }

  private static void write(Path file, ObjectNode... rows) throws IOException {
    StringBuilder b = new StringBuilder();
    for (ObjectNode r : rows) {
      b.append(r).append('\n');
    }
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }
}
