package io.dualign.data;

import io.dualign.dual.TestSpark;
import io.dualign.vocabulary.Hashes;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.countDistinct;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.DataSettings;
import io.dualign.data.synthetic.SyntheticGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Spark (local[2]) over real files: the sample, the malformed corpus, HH-RLHF, prompt sets. */
class ParsedInputTest {
  private static final ObjectMapper M = new ObjectMapper();
  private static final String SAMPLE = "pku-saferlhf/train-sample.jsonl";
  private static final String[] COMMON = {"pair_id", "prompt_id", "prompt", "response_0",
      "response_1", "better_response_id", "safer_response_id", "is_response_0_safe",
      "is_response_1_safe", "source", "split"};
  private static SparkSession spark;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = TestSpark.builder().appName("ParsedInputTest").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Path sample() {
    Optional<Path> p = TestSettings.sharedData(SAMPLE);
    assumeTrue(p.isPresent(), "SKIPPED: shared/data/" + SAMPLE + " not found above "
        + Path.of("").toAbsolutePath() + " (real-data tests need the shared data folder)");
    return p.get();
  }

  private static ParsedInput parse(String input) {
    return ParsedInput.parse(spark, TestSettings.defaults(input), 42);
  }

  private static void assertSameRows(Dataset<Row> a, Dataset<Row> b, String... cols) {
    Dataset<Row> x = a.select(cols[0], java.util.Arrays.copyOfRange(cols, 1, cols.length));
    Dataset<Row> y = b.select(cols[0], java.util.Arrays.copyOfRange(cols, 1, cols.length));
    assertEquals(x.count(), y.count());
    assertEquals(0, x.except(y).count(), "rows only in the first table");
    assertEquals(0, y.except(x).count(), "rows only in the second table");
  }

  /** Column names with their types (parquet reads every column as nullable). */
  private static List<String> names(org.apache.spark.sql.types.StructType schema) {
    List<String> n = new ArrayList<>();
    for (org.apache.spark.sql.types.StructField f : schema.fields()) {
      n.add(f.name() + ":" + f.dataType().simpleString());
    }
    return n;
  }

  @Test
  void theRealSampleParsesWithoutQuarantineAndMatchesItsReadme() {
    try (ParsedInput p = parse(sample().toString())) {
      assertEquals(3695, p.pairs());
      assertEquals(0, p.quarantined(), () -> p.examples().toString());
      Map<String, Object> d = ParsedInput.describePairs(p.pairsTable());
      @SuppressWarnings("unchecked")
      Map<String, Object> mix = (Map<String, Object>) d.get("label_mix");
      assertEquals(1646L, mix.get("both_unsafe"));
      assertEquals(1488L, mix.get("both_safe"));
      assertEquals(318L, mix.get("only_response_1_safe"));
      assertEquals(243L, mix.get("only_response_0_safe"));
      assertEquals(2791L, mix.get("better_is_safer"));
      assertEquals("1205474b2be680d6bdc9193163e8888b33f6433d651be4e0fac5be587f12c84d",
          p.files().values().iterator().next().get("sha256"));
      // prompt-disjoint: no prompt in both splits, and both splits used
      Dataset<Row> pairs = p.pairsTable();
      assertEquals(0, pairs.groupBy("prompt_id").agg(countDistinct("split").as("n"))
          .filter(col("n").gt(1)).count());
      long test = pairs.filter(col("split").equalTo("test")).count();
      assertTrue(test > 200 && test < 550, "about 10% test pairs: " + test);
      // severities are kept and harm categories are names of true flags
      Row r = pairs.filter(col("response_0_severity_level").equalTo(2)).first();
      assertTrue(r.getList(r.fieldIndex("response_0_harm_category")).size() >= 1);
      assertEquals(0, pairs.filter(col("is_response_0_safe")
          .and(col("response_0_severity_level").notEqual(0))).count());
      // PKU-SafeRLHF itself has two pairs with an empty response_1; kept unless configured
      assertEquals(2, pairs.filter(col("response_0").equalTo("").or(col("response_1").equalTo("")))
          .count());
    }
    try (ParsedInput strict = ParsedInput.parse(spark,
        TestSettings.rejectingEmptyResponses(sample().toString()), 42)) {
      assertEquals(Map.of("empty_text", 2L), strict.reasons());
      assertEquals(3693, strict.pairs());
    }
  }

  @Test
  void theSevenColumnFormOfTheSameRowsParsesIdentically() throws IOException {
    Path seven = tmp.resolve("seven.jsonl");
    try (OutputStream out = Files.newOutputStream(seven)) {
      for (String line : Files.readAllLines(sample(), StandardCharsets.UTF_8)) {
        ObjectNode o = (ObjectNode) M.readTree(line);
        o.retain("prompt", "response_0", "response_1", "is_response_0_safe",
            "is_response_1_safe", "better_response_id", "safer_response_id");
        out.write((M.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    try (ParsedInput full = parse(sample().toString()); ParsedInput p = parse(seven.toString())) {
      assertEquals(0, p.quarantined());
      assertSameRows(full.pairsTable(), p.pairsTable(), COMMON);
      assertEquals(3695, p.pairsTable().filter(col("response_0_severity_level").isNull()).count());
    }
  }

  @Test
  void theSameRowsAsSparkParquetGiveIdenticalTables() {
    String pq = tmp.resolve("pq").toString();
    spark.read().schema(DataTables.PKU_16_COLUMNS).json(sample().toString())
        .repartition(3).write().parquet(pq);
    try (ParsedInput json = parse(sample().toString()); ParsedInput p = parse(pq)) {
      assertEquals(0, p.quarantined(), () -> p.examples().toString());
      String[] all = java.util.Arrays.stream(DataTables.PAIRS_SCHEMA.fieldNames())
          .filter(n -> !n.equals("source_file") && !n.equals("source_line"))
          .toArray(String[]::new);
      assertSameRows(json.pairsTable(), p.pairsTable(), all);
      assertSameRows(json.promptsTable(), p.promptsTable(), DataTables.PROMPTS_SCHEMA.fieldNames());
    }
  }

  @Test
  void aGlobOverPlainAndGzipFilesReadsEveryRow() throws IOException {
    List<String> lines = Files.readAllLines(sample(), StandardCharsets.UTF_8);
    Path dir = Files.createDirectories(tmp.resolve("many"));
    int third = lines.size() / 3;
    Files.write(dir.resolve("part-a.jsonl"), lines.subList(0, third));
    try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(dir.resolve("part-b.jsonl.gz")))) {
      gz.write((String.join("\n", lines.subList(third, 2 * third)) + "\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    Files.write(dir.resolve("part-c.jsonl"), lines.subList(2 * third, lines.size()));
    Files.writeString(dir.resolve("notes.txt.bak"), "not data");
    try (ParsedInput full = parse(sample().toString());
        ParsedInput p = parse("file://" + dir + "/part-*.jsonl*")) {
      assertEquals(0, p.quarantined());
      assertEquals(3, p.files().size());
      assertSameRows(full.pairsTable(), p.pairsTable(), COMMON);
      // line numbers restart per file
      assertEquals(third, p.pairsTable().filter(col("source_file").endsWith("part-b.jsonl.gz"))
          .agg(org.apache.spark.sql.functions.max("source_line")).first().getLong(0));
    }
  }

  /** The malformed corpus: each bad line quarantined with its reason, every good line kept. */
  @Test
  void malformedRowsAreQuarantinedWithTheirReasonAndLine() throws IOException {
    SyntheticGenerator gen = new SyntheticGenerator(0.3, 0.1, 0.03, 1);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    Map<Long, String> expected = new TreeMap<>();
    List<Long> goodLines = new ArrayList<>();
    List<String> goodIds = new ArrayList<>();
    long[] line = {0};
    java.util.function.BiConsumer<byte[], String> add = (bytes, reason) -> {
      line[0]++;
      b.writeBytes(bytes);
      b.write('\n');
      if (reason != null) {
        expected.put(line[0], reason);
      }
    };
    java.util.function.IntFunction<ObjectNode> good = i -> {
      try {
        return (ObjectNode) M.readTree(gen.jsonLine(i));
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    };
    java.util.function.Function<ObjectNode, byte[]> bytes = o -> {
      try {
        return M.writeValueAsBytes(o);
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    };
    java.util.function.IntConsumer keep = i -> {
      ObjectNode o = good.apply(i);
      goodLines.add(line[0]);
      goodIds.add(Hashes.pairId(o.get("prompt").asText(), o.get("response_0").asText(),
          o.get("response_1").asText()));
    };
    // 1: a BOM before a good row (kept)
    ByteArrayOutputStream bom = new ByteArrayOutputStream();
    bom.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    bom.writeBytes(bytes.apply(good.apply(0)));
    add.accept(bom.toByteArray(), null);
    keep.accept(0);
    // 2: CRLF line end (kept)
    add.accept((gen.jsonLine(1) + "\r").getBytes(StandardCharsets.UTF_8), null);
    keep.accept(1);
    // 3: truncated JSON
    add.accept(gen.jsonLine(2).substring(0, 80).getBytes(StandardCharsets.UTF_8), "malformed_json");
    ObjectNode o = good.apply(3);
    o.put("better_response_id", "1");
    add.accept(bytes.apply(o), "wrong_type");
    o = good.apply(4);
    o.remove("response_1");
    add.accept(bytes.apply(o), "missing_field");
    o = good.apply(5);
    o.put("better_response_id", 2);
    add.accept(bytes.apply(o), "bad_id");
    o = good.apply(6);
    o.put("safer_response_id", -1);
    add.accept(bytes.apply(o), "bad_id");
    o = good.apply(7);
    o.put("prompt", "");
    add.accept(bytes.apply(o), "empty_text");
    // 9: invalid UTF-8 inside the prompt string
    byte[] g8 = gen.jsonLine(8).getBytes(StandardCharsets.UTF_8);
    int at = "{\"prompt\":\"".length();
    byte[] bad = new byte[g8.length + 2];
    System.arraycopy(g8, 0, bad, 0, at);
    bad[at] = (byte) 0xC3;
    bad[at + 1] = (byte) 0x28;
    System.arraycopy(g8, at, bad, at + 2, g8.length - at);
    add.accept(bad, "invalid_utf8");
    // 10: a blank line (not a row)
    add.accept(new byte[0], null);
    // 11: a 1 MB line
    o = good.apply(9);
    o.put("response_0", "x".repeat(1 << 20));
    add.accept(bytes.apply(o), "line_too_long");
    o = good.apply(10);
    o.put("response_0", o.get("response_0").asText() + " Changed.");
    add.accept(bytes.apply(o), "sha256_mismatch");
    o = good.apply(11);
    o.put("response_1_severity_level", 7);
    add.accept(bytes.apply(o), "bad_severity");
    o = good.apply(12);
    o.put("is_response_0_safe", !o.get("is_response_0_safe").asBoolean());
    add.accept(bytes.apply(o), "safety_mismatch");
    add.accept("[1, 2]".getBytes(StandardCharsets.UTF_8), "not_an_object");
    add.accept((gen.jsonLine(13) + "\r").getBytes(StandardCharsets.UTF_8), null);
    keep.accept(13);
    // the last line without a final line end
    byte[] last = gen.jsonLine(14).getBytes(StandardCharsets.UTF_8);
    b.writeBytes(last);
    line[0]++;
    keep.accept(14);
    Path file = tmp.resolve("bad.jsonl");
    Files.write(file, b.toByteArray());

    try (ParsedInput p = parse(file.toString())) {
      Map<Long, String> got = new TreeMap<>();
      for (Row r : p.quarantineTable().collectAsList()) {
        got.put(r.getLong(1), r.getString(2).substring(0, r.getString(2).indexOf(':')));
        assertEquals(file.toUri().toString().replace("file:///", "file:/"), r.getString(0));
      }
      assertEquals(expected, got);
      assertEquals(4, p.pairs());
      List<Row> pairs = p.pairsTable().orderBy("source_line").collectAsList();
      List<Long> lines = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      for (Row r : pairs) {
        lines.add(r.getLong(r.fieldIndex("source_line")));
        ids.add(r.getString(r.fieldIndex("pair_id")));
      }
      assertEquals(goodLines, lines);
      assertEquals(List.of(1L, 2L, 16L, 17L), lines);
      assertEquals(goodIds, ids);
      assertTrue(!pairs.get(0).getString(pairs.get(0).fieldIndex("prompt")).startsWith("\uFEFF"));
      assertEquals(12, p.quarantined());
      assertEquals(16, p.inputRows());
      Map<String, Long> reasons = new TreeMap<>();
      for (String r : expected.values()) {
        reasons.merge(r, 1L, Long::sum);
      }
      assertEquals(11, reasons.size());
      assertEquals(2L, reasons.get("bad_id"));
      assertEquals(reasons, p.reasons());
      assertEquals(6L, p.examples().get("bad_id").line());
      Row truncated = p.quarantineTable().filter(col("line").equalTo(3)).first();
      assertEquals(gen.jsonLine(2).substring(0, 80), truncated.getString(3));
      Row huge = p.quarantineTable().filter(col("line").equalTo(11)).first();
      assertTrue(huge.getString(3).endsWith("characters]"));
      assertTrue(huge.getString(2).contains("bytes, more than data.maxLineBytes = 262144"),
          huge.getString(2));

      // writing counts the same rows in its own pass (an observation of the write)
      try (ParsedInput w = parse(file.toString())) {
        String out = tmp.resolve("out").toString();
        w.writePairs(out);
        w.writeQuarantine(out);
        assertEquals(p.reasons(), w.reasons());
        assertEquals(p.pairs(), w.pairs());
        assertEquals(p.quarantined(), w.quarantined());
        assertEquals(p.files(), w.files());
        assertEquals(17L, w.files().values().iterator().next().get("lines"));
        assertEquals(p.examples(), w.examples());
        assertEquals(4, spark.read().schema(DataTables.PAIRS_SCHEMA).parquet(out + "/pairs").count());
        Dataset<Row> q = spark.read().parquet(out + "/quarantine");
        assertEquals(12, q.count());
        assertSameRows(q, p.quarantineTable(), "source", "line", "reason", "raw");
      }
    }
  }

  @Test
  void aTruncatedGzipFileKeepsItsRowsAndQuarantinesTheRest() throws IOException {
    SyntheticGenerator gen = new SyntheticGenerator(0.3, 0.1, 0.03, 2);
    ByteArrayOutputStream whole = new ByteArrayOutputStream();
    try (OutputStream gz = new GZIPOutputStream(whole)) {
      for (int i = 0; i < 400; i++) {
        gz.write((gen.jsonLine(i) + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] all = whole.toByteArray();
    Path file = tmp.resolve("cut.jsonl.gz");
    Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
    try (ParsedInput p = parse(file.toString())) {
      assertEquals(1, p.quarantined());
      assertEquals(Map.of("unreadable", 1L), p.reasons());
      long kept = p.pairs();
      assertTrue(kept > 50 && kept < 400, "rows before the cut are kept: " + kept);
      assertEquals(kept + 1, p.examples().get("unreadable").line());
    }
  }

  @Test
  void hhRlhfDialoguesAndPromptSetsAreRead() throws IOException {
    Path hh = Files.createDirectories(tmp.resolve("hh"));
    ObjectNode a = M.createObjectNode();
    String prefix = "\n\nHuman: I need a gift idea.\n\nAssistant: For whom?\n\nHuman: My dad.";
    a.put("chosen", prefix + "\n\nAssistant: A good book.");
    a.put("rejected", prefix + "\n\nAssistant: Nothing.");
    ObjectNode c = M.createObjectNode();
    c.put("chosen", "\n\nHuman: Hi\n\nAssistant: Hello!");
    c.put("rejected", "\n\nHuman: Hey\n\nAssistant: Hello!");
    try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(hh.resolve("train.jsonl.gz")))) {
      gz.write((M.writeValueAsString(a) + "\n" + M.writeValueAsString(c) + "\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    try (ParsedInput p = parse(hh.toString())) {
      assertEquals(1, p.pairs());
      assertEquals(Map.of("bad_dialogue", 1L), p.reasons());
      Row r = p.pairsTable().first();
      assertEquals("Human: I need a gift idea.\n\nAssistant: For whom?\n\nHuman: My dad."
          + "\n\nAssistant:", r.getAs("prompt"));
      assertEquals("A good book.", r.getAs("response_0"));
      assertEquals("Nothing.", r.getAs("response_1"));
      assertEquals("hh-rlhf", r.getAs("source"));
      assertTrue(r.isNullAt(r.fieldIndex("is_response_0_safe")));
    }
    Optional<Path> evalPrompts = TestSettings.sharedData("safe-rlhf-eval-prompts.jsonl");
    assumeTrue(evalPrompts.isPresent(), "SKIPPED: shared/data/safe-rlhf-eval-prompts.jsonl not found");
    try (ParsedInput p = parse(evalPrompts.get().toString())) {
      assertEquals(0, p.pairs());
      assertEquals(83, p.promptRows());
      assertEquals(0, p.quarantined());
      Dataset<Row> prompts = p.promptsTable();
      assertEquals(83, prompts.count());
      assertEquals(8, prompts.select("category").distinct().count());
    }
  }

  @Test
  void syntheticInputIsValidDeterministicAndPromptDisjoint() {
    DataSettings s = TestSettings.defaults(DataSettings.SYNTHETIC);
    try (ParsedInput a = ParsedInput.parse(spark, s, 42);
        ParsedInput b = ParsedInput.parse(spark, s, 42)) {
      assertEquals(2000, a.pairs());
      assertEquals(0, a.quarantined(), () -> a.examples().toString());
      assertSameRows(a.pairsTable(), b.pairsTable(), DataTables.PAIRS_SCHEMA.fieldNames());
      assertEquals(0, a.pairsTable().groupBy("prompt_id").agg(countDistinct("split").as("n"))
          .filter(col("n").gt(1)).count());
      assertEquals(20, a.promptsTable().select("category").distinct().count(),
          "19 harm categories + Benign");
      // the written tables carry exactly the contract's column names and types
      String out = tmp.resolve("synthetic").toString();
      a.writePairs(out);
      a.writePrompts(out);
      a.writeQuarantine(out);
      assertEquals(names(DataTables.PAIRS_SCHEMA), names(spark.read().parquet(out + "/pairs").schema()));
      assertEquals(names(DataTables.PROMPTS_SCHEMA),
          names(spark.read().parquet(out + "/prompts").schema()));
      assertEquals(names(DataTables.QUARANTINE_SCHEMA),
          names(spark.read().parquet(out + "/quarantine").schema()));
      assertEquals(0, spark.read().parquet(out + "/quarantine").count());
      assertEquals(a.promptsTable().count(), spark.read().parquet(out + "/prompts").count());
    }
  }
}
