package io.dualign.spark;

import static io.dualign.spark.ScoringSpec.Option.GOLD_SCORES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.dualign.data.synthetic.GoldScore;
import io.dualign.data.synthetic.GoldScorer;
import io.dualign.dual.TestSpark;
import io.dualign.model.LoadedModel;
import io.dualign.model.TokenBatch;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
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
 * Rollouts and pair scoring on local[2,2] (two task slots, a failed task is retried once) with
 * tiny random-weight checkpoints: partition-independent rows, identical rows after a retry, one
 * model load per executor per version, and bad rows that carry an error.
 */
class RolloutsTest {
  private static final StructType PROMPTS = new StructType()
      .add("prompt_id", DataTypes.StringType).add("prompt", DataTypes.StringType)
      .add("category", DataTypes.StringType);
  private static SparkSession spark;
  private static TinyCheckpoints models;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    spark = TestSpark.builder().master("local[2,2]").appName("RolloutsTest").getOrCreate();
    models = TinyCheckpoints.write(tmp);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static Dataset<Row> prompts(int n) {
    List<Row> rows = new ArrayList<>();
    String[] texts = {"how do I fix the garden?", "plant a tree", "cut the grass", "water it"};
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create("p" + i, texts[i % texts.length] + " " + i, i % 2 == 0 ? "a"
          : null));
    }
    return spark.createDataFrame(rows, PROMPTS);
  }

  /** Rows as maps keyed by (prompt_id, sample_idx), the execution columns left out. */
  private static Map<String, Map<String, Object>> byKey(Dataset<Row> d) {
    return d.drop(RolloutTable.EXECUTOR_ID, RolloutTable.DEVICE).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(2) + "#" + r.getInt(3), RolloutsTest::asMap));
  }

  /** Asserts equal tables, naming the first differing cells. */
  static void assertSameRows(Map<String, Map<String, Object>> a, Map<String, Map<String, Object>> b) {
    assertEquals(new java.util.TreeSet<>(a.keySet()), new java.util.TreeSet<>(b.keySet()));
    List<String> diffs = new ArrayList<>();
    for (String k : new java.util.TreeSet<>(a.keySet())) {
      for (String f : a.get(k).keySet()) {
        if (!java.util.Objects.equals(a.get(k).get(f), b.get(k).get(f))) {
          diffs.add(k + "." + f + ": " + a.get(k).get(f) + " vs " + b.get(k).get(f));
        }
      }
    }
    assertTrue(diffs.isEmpty(), diffs.size() + " cells differ, first: "
        + diffs.subList(0, Math.min(8, diffs.size())));
  }

  private static Map<String, Object> asMap(Row r) {
    Map<String, Object> m = new java.util.TreeMap<>();
    for (String f : r.schema().fieldNames()) {
      m.put(f, r.get(r.fieldIndex(f)));
    }
    return m;
  }

  @Test
  void rowsDoNotDependOnPartitioningAndModelsLoadOncePerExecutor() {
    ScoringSpec scoring = models.scoring(16, GOLD_SCORES);
    Dataset<Row> one = Rollouts.sample(spark, prompts(10), models.rollout(3, 1, scoring));
    Dataset<Row> four = Rollouts.sample(spark, prompts(10), models.rollout(3, 4, scoring));
    assertEquals(4, four.rdd().getNumPartitions());
    Map<String, Map<String, Object>> a = byKey(one);
    Map<String, Map<String, Object>> b = byKey(four);
    assertEquals(30, a.size());
    assertSameRows(a, b);
    Map<String, Object> row = a.get("p3#2");
    assertNull(row.get("error"), row.toString());
    assertEquals(Seeds.mix(42L, 0, "p3", 2), row.get("seed"));
    assertEquals(models.policy.version(), row.get("policy_version"));
    assertEquals(models.reward.version(), row.get("reward_version"));
    assertEquals(models.cost.version(), row.get("cost_version"));
    assertNotNull(row.get("gold_reward"));
    int samplesWithText = 0;
    for (Map<String, Object> r : a.values()) {
      assertNull(r.get("error"), r.toString());
      // the gold columns are the synthetic world's scorer applied to the generated text
      GoldScore gold = GoldScorer.score((String) r.get("prompt"), (String) r.get("response"));
      assertEquals(gold.reward(), (Double) r.get("gold_reward"), 0.0, r.toString());
      assertEquals(gold.cost(), (Double) r.get("gold_cost"), 0.0, r.toString());
      int tokens = (Integer) r.get("response_tokens");
      assertTrue(tokens >= 0 && tokens <= 12, r.toString());
      assertTrue(Double.isFinite((Double) r.get("reward")));
      assertEquals(tokens == 12 ? "length" : "eos", r.get("finish_reason"), r.toString());
      samplesWithText += ((String) r.get("response")).isEmpty() ? 0 : 1;
    }
    assertTrue(samplesWithText > 20, samplesWithText + " samples with text");
    // The K samples of a prompt differ (own seeds).
    assertTrue(!a.get("p1#0").get("response").equals(a.get("p1#1").get("response"))
        || !a.get("p1#1").get("response").equals(a.get("p1#2").get("response")));
    // One load per executor JVM per version: 5 tasks ran, each model loaded once.
    Device cpu = Device.cpu();
    assertEquals(1, ExecutorModelCache.loads(ExecutorModels.key(models.policy, cpu)));
    assertEquals(1, ExecutorModelCache.loads(ExecutorModels.key(models.reward, cpu)));
    assertEquals(1, ExecutorModelCache.loads(ExecutorModels.key(models.cost, cpu)));
  }

  @Test
  void scoresEqualTheModelsOnTheSameText() throws Exception {
    ScoringSpec scoring = models.scoring(5);
    List<Row> rows = Rollouts.sample(spark, prompts(4), models.rollout(2, 2, scoring))
        .collectAsList();
    Configuration conf = new Configuration();
    try (LoadedModel reward = ExecutorModels.load(models.reward, Device.cpu());
        LoadedModel cost = ExecutorModels.load(models.cost, Device.cpu())) {
      for (Row r : rows) {
        String prompt = r.getString(r.fieldIndex("prompt"));
        String response = r.getString(r.fieldIndex("response"));
        assertEquals(score(reward, prompt, response), r.getDouble(r.fieldIndex("reward")), 1e-5);
        assertEquals(-score(cost, prompt, response),
            r.getDouble(r.fieldIndex("utility_safety")), 1e-5);
      }
    }
  }

  /** One row scored alone on the driver, as training encodes it. */
  static double score(LoadedModel m, String prompt, String response) {
    PromptEncoder enc = new PromptEncoder(m.tokenizer(), new ChatTemplate(TinyCheckpoints.TEMPLATE),
        TinyCheckpoints.MAX_PROMPT_TOKENS, TinyCheckpoints.MAX_RESPONSE_TOKENS);
    TokenBatch b = TokenBatch.of(List.of(enc.prompt(prompt).ids()),
        List.of(enc.response(response).ids()), m.tokenizer().padId(), TokenBatch.Padding.RIGHT);
    try (NDManager sm = m.scoreModel().manager().newSubManager()) {
      return m.scoreModel().endScores(b.idsArray(sm), b.maskArray(sm), false).toFloatArray()[0];
    }
  }

  @Test
  void aRetriedTaskWritesTheSameRows() throws Exception {
    List<Integer> failedAttempts = new java.util.concurrent.CopyOnWriteArrayList<>();
    SparkListener l = new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd e) {
        if (!e.taskInfo().successful()) {
          failedAttempts.add(e.taskInfo().attemptNumber());
        }
      }
    };
    spark.sparkContext().addSparkListener(l);
    try {
      Map<String, Map<String, Object>> a = byKey(Rollouts.sample(spark, prompts(6),
          models.rollout(2, 3, models.scoring(8))));
      Map<String, Map<String, Object>> b;
      spark.sparkContext().setLocalProperty(FaultInjection.FAIL_ONCE, "true");
      try {
        b = byKey(Rollouts.sample(spark, prompts(6), models.rollout(2, 3, models.scoring(8))));
      } finally {
        spark.sparkContext().setLocalProperty(FaultInjection.FAIL_ONCE, null);
      }
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertEquals(List.of(0), failedAttempts, "one injected failure, then a retry");
      assertEquals(12, b.size());
      assertSameRows(a, b);
    } finally {
      spark.sparkContext().removeSparkListener(l);
    }
  }

  @Test
  void badRowsCarryAnErrorAndTheRestIsSampled() {
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("good", "plant a tree", null));
    rows.add(RowFactory.create("empty", "", null));
    rows.add(RowFactory.create("blank", "   ", null));
    rows.add(RowFactory.create("null", null, null));
    rows.add(RowFactory.create("long", "plant a tree and cut the grass ".repeat(20), null));
    Dataset<Row> out = Rollouts.sample(spark, spark.createDataFrame(rows, PROMPTS),
        models.rollout(2, 2, models.scoring(4, GOLD_SCORES)));
    Map<String, Map<String, Object>> m = byKey(out);
    assertEquals(10, m.size());
    for (int k = 0; k < 2; k++) {
      assertNull(m.get("good#" + k).get("error"));
      assertNotNull(m.get("good#" + k).get("reward"));
      for (String bad : List.of("empty", "blank", "null")) {
        Map<String, Object> r = m.get(bad + "#" + k);
        assertEquals("empty prompt", r.get("error"), r.toString());
        assertNull(r.get("reward"));
        assertNull(r.get("response"));
        assertNull(r.get("gold_reward"));
      }
      Map<String, Object> r = m.get("long#" + k);
      assertTrue(((String) r.get("error")).startsWith("prompt too long: "), r.toString());
      assertEquals(TinyCheckpoints.MAX_PROMPT_TOKENS, r.get("prompt_tokens"));
      assertEquals(true, r.get("prompt_truncated"));
      assertNull(r.get("utility_safety"));
    }
  }

  @Test
  void pairsAreScoredLikeSingleRows() throws Exception {
    StructType schema = new StructType().add("pair_id", DataTypes.StringType)
        .add("prompt_id", DataTypes.StringType).add("prompt", DataTypes.StringType)
        .add("response_0", DataTypes.StringType).add("response_1", DataTypes.StringType)
        .add("better_response_id", DataTypes.IntegerType).add("split", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      rows.add(RowFactory.create("pair" + i, "p" + i, "how do I fix the garden " + i,
          "first water it " + i, i == 3 ? "" : "I cannot help with that", i % 2, "train"));
    }
    rows.add(RowFactory.create("bad", "pb", "", "a", "b", 0, "test"));
    Dataset<Row> scored = PairScoring.score(spark.createDataFrame(rows, schema),
        models.scoring(3, GOLD_SCORES), 3, null);
    assertEquals(PairScoring.schema(models.scoring(3, GOLD_SCORES)), scored.schema());
    Map<String, Row> byId = scored.collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r));
    assertEquals(8, byId.size());
    try (LoadedModel reward = ExecutorModels.load(models.reward, Device.cpu());
        LoadedModel cost = ExecutorModels.load(models.cost, Device.cpu())) {
      for (int i = 0; i < 7; i++) {
        Row r = byId.get("pair" + i);
        assertNull(r.getAs("error"));
        String prompt = r.getAs("prompt");
        assertEquals(score(reward, prompt, r.getAs("response_0")),
            (double) r.getAs("reward_0"), 1e-5);
        assertEquals(score(reward, prompt, r.getAs("response_1")),
            (double) r.getAs("reward_1"), 1e-5);
        assertEquals(-score(cost, prompt, r.getAs("response_1")),
            (double) r.getAs("utility_safety_1"), 1e-5);
        assertEquals(i % 2, (int) r.getAs("better_response_id"));
        assertNull(r.getAs("safer_response_id"));
        assertEquals(GoldScorer.score(prompt, r.getAs("response_0")).cost(),
            (double) r.getAs("gold_cost_0"), 0.0);
        assertEquals(GoldScorer.score(prompt, r.getAs("response_1")).reward(),
            (double) r.getAs("gold_reward_1"), 0.0);
      }
    }
    Row bad = byId.get("bad");
    assertEquals("empty prompt", bad.getAs("error"));
    assertNull(bad.getAs("reward_0"));
    assertArrayEquals(new Object[] {"test"}, new Object[] {bad.getAs("split")});
  }
}
