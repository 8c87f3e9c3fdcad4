package io.dualign.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.config.UtilityScorer;
import io.dualign.dual.TestSpark;
import io.dualign.model.ModelFormat;
import io.dualign.model.TokenBatch;
import io.dualign.model.torchscript.BundleTokenizer;
import io.dualign.model.torchscript.TorchScriptBundle;
import io.dualign.model.torchscript.TorchScriptCausalLm;
import io.dualign.model.torchscript.TorchScriptScoreModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts and pair scoring on local[2] with the committed TorchScript fixture as the policy and
 * as both score models (the real-model path through the executors): greedy samples
 * equal a greedy decode through the bundle's own Java API, scores equal direct scoring through
 * the bundle, each bundle loads once per executor; and broadcast delivery of a model folder the
 * executors cannot read (deleted after the driver read it) writes the same rows as shared
 * delivery, materialising the files once in the local model cache.
 */
class TorchScriptRolloutsTest {
  static final String TEMPLATE = "BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:";
  static final int MAX_PROMPT = 24;
  static final int MAX_RESPONSE = 24;
  static final int NEW_TOKENS = 12;
  private static final StructType PROMPTS = new StructType()
      .add("prompt_id", DataTypes.StringType).add("prompt", DataTypes.StringType);
  static final String[] TEXTS = {"how do i bake bread?", "is it safe to pick a lock?",
      "tell me a joke", "thanks", "how do i bake a cake?"};
  private static SparkSession spark;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    System.setProperty(LocalModelFiles.ROOT_PROPERTY, tmp.resolve("model-cache").toString());
    spark = TestSpark.builder().appName("TorchScriptRolloutsTest")
        .config("spark.sql.shuffle.partitions", "2").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
    System.clearProperty(LocalModelFiles.ROOT_PROPERTY);
  }

  static Path fixture(String name) throws Exception {
    return Path.of(TorchScriptRolloutsTest.class.getResource("/torchscript/" + name).toURI());
  }

  static ModelRef ref(Path dir) throws Exception {
    return ModelRef.of(dir.toString(), new Configuration());
  }

  static ScoringSpec scoring(ModelRef score) {
    return ScoringSpec.builder(score, score).utilities(List.of(UtilityScorer.parse("safety=-cost")))
        .chatTemplate(TEMPLATE).maxPromptTokens(MAX_PROMPT).maxResponseTokens(MAX_RESPONSE)
        .batchSize(4).build();
  }

  static RolloutSpec rollout(ModelRef policy, ModelRef score, double temperature) {
    return new RolloutSpec("run-ts", 0, policy, 2, temperature, 1.0, 0, NEW_TOKENS, 42L, 4, 2,
        scoring(score));
  }

  private Dataset<Row> prompts() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < TEXTS.length; i++) {
      rows.add(RowFactory.create("p" + i, TEXTS[i]));
    }
    return spark.createDataFrame(rows, PROMPTS);
  }

  private static Map<String, Row> byKey(List<Row> rows) {
    return rows.stream().collect(Collectors.toMap(r -> r.getString(2) + "#" + r.getInt(3),
        r -> r));
  }

  /** The end score of (prompt, response) through the score bundle's own Java API. */
  static double direct(TorchScriptScoreModel m, BundleTokenizer tok, String prompt,
      String response) {
    long[] p = tok.encode(TEMPLATE.replace("{prompt}", prompt), true);
    long[] r = tok.encodeResponse(response, true);
    long[] row = java.util.Arrays.copyOf(p, p.length + r.length);
    System.arraycopy(r, 0, row, p.length, r.length);
    return m.endScores(List.of(row))[0];
  }

  /** Greedy decoding through the causal LM's own Java API (full forward per token). */
  static String greedy(TorchScriptCausalLm lm, String prompt) {
    BundleTokenizer tok = lm.tokenizer();
    List<Long> ids = new ArrayList<>();
    for (long id : tok.encode(TEMPLATE.replace("{prompt}", prompt), true)) {
      ids.add(id);
    }
    List<Long> out = new ArrayList<>();
    for (int step = 0; step < NEW_TOKENS; step++) {
      long[] row = ids.stream().mapToLong(Long::longValue).toArray();
      float[] last = lm.logits(TokenBatch.ofSequences(List.of(row), tok.padId(), TokenBatch.Padding.RIGHT, 0))[0][
          row.length - 1];
      int best = 0;
      for (int v = 1; v < last.length; v++) {
        if (last[v] > last[best]) {
          best = v;
        }
      }
      if (best == tok.eosId()) {
        break;
      }
      ids.add((long) best);
      out.add((long) best);
    }
    return tok.decode(out.stream().mapToLong(Long::longValue).toArray(), true);
  }

  @Test
  void greedyRolloutsAndScoresMatchTheBundlesOwnApi() throws Exception {
    ModelRef policy = ref(fixture("policy"));
    ModelRef score = ref(fixture("score"));
    assertEquals(ModelFormat.TORCHSCRIPT, policy.format());
    assertEquals(TorchScriptBundle.open(fixture("policy")).manifest().version(),
        policy.version());
    List<Row> rows = Rollouts.sample(spark, prompts(), rollout(policy, score, 0.0))
        .collectAsList();
    assertEquals(TEXTS.length * 2, rows.size());
    Map<String, Row> m = byKey(rows);
    int withText = 0;
    try (TorchScriptCausalLm lm = TorchScriptCausalLm.load(fixture("policy"), Device.cpu(), false);
        TorchScriptScoreModel sm = TorchScriptScoreModel.load(fixture("score"), Device.cpu())) {
      for (int i = 0; i < TEXTS.length; i++) {
        String expected = greedy(lm, TEXTS[i]);
        for (int k = 0; k < 2; k++) {
          Row r = m.get("p" + i + "#" + k);
          assertNull(r.getAs("error"), r.toString());
          assertEquals(expected, r.getAs("response"), r.toString());
          withText += expected.isEmpty() ? 0 : 1;
          assertEquals(policy.version(), r.getAs("policy_version"));
          assertEquals(score.version(), r.getAs("reward_version"));
          double s = direct(sm, sm.tokenizer(), TEXTS[i], r.getAs("response"));
          assertEquals(s, (double) r.getAs("reward"), 1e-4, r.toString());
          assertEquals(-s, (double) r.getAs("utility_safety"), 1e-4, r.toString());
        }
      }
    }
    assertTrue(withText >= 4, withText + " greedy responses with text");
    // Two partitions ran, each bundle was loaded once in this executor JVM.
    assertEquals(1, ExecutorModelCache.loads(ExecutorModels.key(policy, Device.cpu())));
    assertEquals(1, ExecutorModelCache.loads(ExecutorModels.key(score, Device.cpu())));
  }

  @Test
  void sampledRolloutsAndScoredPairsUseTheBundles() throws Exception {
    ModelRef policy = ref(fixture("policy"));
    ModelRef score = ref(fixture("score"));
    List<Row> rows = Rollouts.sample(spark, prompts(), rollout(policy, score, 1.0))
        .collectAsList();
    StructType schema = new StructType().add("pair_id", DataTypes.StringType)
        .add("prompt_id", DataTypes.StringType).add("prompt", DataTypes.StringType)
        .add("response_0", DataTypes.StringType).add("response_1", DataTypes.StringType)
        .add("better_response_id", DataTypes.IntegerType).add("split", DataTypes.StringType);
    List<Row> pairs = new ArrayList<>();
    for (int i = 0; i < TEXTS.length; i++) {
      Map<String, Row> m = byKey(rows);
      pairs.add(RowFactory.create("pair" + i, "p" + i, TEXTS[i],
          m.get("p" + i + "#0").getAs("response"), m.get("p" + i + "#1").getAs("response"), 0,
          "train"));
    }
    Map<String, Row> scored = PairScoring.score(spark.createDataFrame(pairs, schema),
        scoring(score), 2, null).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r));
    int distinct = 0;
    try (TorchScriptScoreModel sm = TorchScriptScoreModel.load(fixture("score"), Device.cpu())) {
      for (Row r : rows) {
        assertNull(r.getAs("error"), r.toString());
        assertTrue((int) r.getAs("response_tokens") <= NEW_TOKENS, r.toString());
        assertEquals(direct(sm, sm.tokenizer(), r.getAs("prompt"), r.getAs("response")),
            (double) r.getAs("reward"), 1e-4, r.toString());
      }
      for (int i = 0; i < TEXTS.length; i++) {
        Row p = scored.get("pair" + i);
        assertNull(p.getAs("error"), p.toString());
        for (int y = 0; y < 2; y++) {
          double s = direct(sm, sm.tokenizer(), TEXTS[i], p.getAs("response_" + y));
          assertEquals(s, (double) p.getAs("reward_" + y), 1e-4, p.toString());
          assertEquals(-s, (double) p.getAs("utility_safety_" + y), 1e-4, p.toString());
        }
        distinct += p.getAs("response_0").equals(p.getAs("response_1")) ? 0 : 1;
      }
    }
    assertTrue(distinct >= 2, distinct + " prompts with two different samples at temperature 1");
  }

  @Test
  void broadcastDeliveryWritesTheRowsOfSharedDeliveryWithoutReadingTheUri() throws Exception {
    ModelRef policy = ref(fixture("policy"));
    ModelRef score = ref(fixture("score"));
    List<Row> shared = Rollouts.sample(spark, prompts(), rollout(policy, score, 1.0))
        .drop(RolloutTable.EXECUTOR_ID).collectAsList();

    // The same bundles in a folder only the driver reads: deleted once their bytes are broadcast.
    Path driverOnly = tmp.resolve("driver-only");
    copy(fixture("policy"), driverOnly.resolve("policy"));
    copy(fixture("score"), driverOnly.resolve("score"));
    ModelRef p2 = ref(driverOnly.resolve("policy"));
    ModelRef s2 = ref(driverOnly.resolve("score"));
    assertEquals(policy.version(), p2.version());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ModelDelivery delivery = new ModelDelivery(jsc, ModelDelivery.Mode.BROADCAST, 10_000_000L,
        new Configuration());
    List<Row> broadcast;
    List<org.apache.spark.broadcast.Broadcast<ModelPackage>> made;
    try {
      RolloutSpec spec = delivery.deliver(rollout(p2, s2, 1.0));
      assertTrue(spec.policy().bytes() != null && spec.scoring().reward().bytes() != null);
      assertTrue(spec.scoring().reward().bytes() == spec.scoring().cost().bytes(),
          "one broadcast per model");
      assertEquals(List.of("broadcast", "broadcast"), delivery.summary().stream()
          .map(e -> e.get("delivery")).toList());
      made = delivery.broadcasts();
      assertEquals(2, made.size());
      delete(driverOnly);
      broadcast = Rollouts.sample(spark, prompts(), spec).drop(RolloutTable.EXECUTOR_ID)
          .collectAsList();
    } finally {
      delivery.close();
    }
    assertEquals(byKey(shared).keySet(), byKey(broadcast).keySet());
    for (Map.Entry<String, Row> e : byKey(shared).entrySet()) {
      assertEquals(e.getValue(), byKey(broadcast).get(e.getKey()), e.getKey());
    }
    assertEquals(1, ExecutorModelCache.loads(ExecutorModels.key(p2, Device.cpu())));
    assertEquals(1, ExecutorModelCache.loads(ExecutorModels.key(s2, Device.cpu())));
    Path cached = LocalModelFiles.folder(policy.version());
    assertEquals(Files.size(fixture("policy").resolve("model.pt")),
        Files.size(cached.resolve("model.pt")));
    TorchScriptBundle.open(cached); // the materialised files pass their sha256
    for (var b : made) {
      assertThrows(Exception.class, b::value, "destroyed after use");
    }
  }

  @Test
  void deliveryModes() throws Exception {
    assertTrue(ModelDelivery.oneMachine("local[2]"));
    assertTrue(ModelDelivery.oneMachine("local-cluster[2,1,1024]"));
    assertTrue(!ModelDelivery.oneMachine("spark://127.0.0.1:7077"));
    assertTrue(ModelDelivery.distributed("hdfs://nn:8020/models/policy"));
    assertTrue(!ModelDelivery.distributed("file:/tmp/policy"));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ModelRef policy = ref(fixture("policy"));
    try (ModelDelivery auto = new ModelDelivery(jsc, ModelDelivery.Mode.AUTO, 10,
        new Configuration())) {
      assertNull(auto.deliver(policy).bytes(), "local master: shared");
      assertEquals("shared", auto.summary().get(0).get("delivery"));
    }
    try (ModelDelivery tooSmall = new ModelDelivery(jsc, ModelDelivery.Mode.BROADCAST, 1000,
        new Configuration())) {
      java.io.IOException e = assertThrows(java.io.IOException.class,
          () -> tooSmall.deliver(policy));
      assertTrue(e.getMessage().contains("runtime.broadcastMaxBytes 1000"), e.getMessage());
    }
  }

  static void copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (var s = Files.list(from)) {
      for (Path f : s.toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }

  static void delete(Path p) throws Exception {
    try (var s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
