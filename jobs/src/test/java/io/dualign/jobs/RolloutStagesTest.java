package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.data.DataTables;
import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.TestSpark;
import io.dualign.run.Json;
import io.dualign.spark.RolloutTable;
import io.dualign.spark.Seeds;
import io.dualign.spark.dual.SampleTable;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout stages end to end on the tiny profile, each a separate {@code dualign} invocation
 * on local[2]: prepare (synthetic) → sft → train-reward → train-cost → sample-ref → score →
 * solve-dual, which reads sample-ref's samples.
 */
class RolloutStagesTest {
  /** Small settings shared by the stage runs here and by the cluster test. */
  static final List<String> SETTINGS = List.of("data.syntheticPairs=200", "model.vocabSize=400",
      "model.dModel=64", "model.layers=2", "model.ffnHidden=128", "train.sftEpochs=1",
      "train.rewardEpochs=1", "train.costEpochs=1", "rollout.prompts=6", "rollout.samples=3",
      "rollout.maxNewTokens=16", "rollout.batchSize=8", "rollout.partitions=2",
      "runtime.progressIntervalSeconds=1");

  @TempDir Path tmp;

  record Result(int code, String out, String err) {}

  static Result run(String stage, String runDir, String master, String... extra) {
    List<String> args = new ArrayList<>(List.of(stage, "--run-dir", runDir, "--profile", "tiny",
        "--master", master));
    for (String s : SETTINGS) {
      args.add("--set");
      args.add(s);
    }
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true),
        args.toArray(new String[0]));
    return new Result(code, out.toString(), err.toString());
  }

  /** Runs prepare and the three training stages into {@code runDir}. */
  static void prepareAndTrain(String runDir) {
    for (String stage : List.of("prepare", "sft", "train-reward", "train-cost")) {
      Result r = run(stage, runDir, "local[2]");
      assertEquals(0, r.code(), () -> stage + " failed: " + r.out() + r.err());
    }
  }

  static Map<String, Object> marker(Path runDir, String stage) throws Exception {
    return Json.readMap(Files.readAllBytes(runDir.resolve(stage).resolve("_SUCCESS.json")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void sampleRefScoreAndSolveDual() throws Exception {
    Path runDir = tmp.resolve("run");
    String dir = runDir.toString();
    Result early = run("sample-ref", dir, "local[2]");
    assertEquals(2, early.code(), early.err());
    assertTrue(early.err().contains("run 'dualign prepare' first"), early.err());
    prepareAndTrain(dir);

    Result s = run("sample-ref", dir, "local[2]");
    assertEquals(0, s.code(), () -> s.out() + s.err());
    Map<String, Object> m = marker(runDir, "sample-ref");
    assertEquals(6, ((Number) m.get("prompts")).intValue());
    assertEquals(18, ((Number) m.get("rows")).intValue());
    // Prompts over model.maxPromptTokens are error rows (rollout.truncatePrompts=false), the rest
    // are sampled.
    int errors = ((Number) m.get("error_rows")).intValue();
    assertEquals(((Number) m.get("rows_with_truncated_prompt")).intValue(), errors, m.toString());
    assertTrue(errors < 18, m.toString());
    if (errors > 0) {
      assertEquals(Set.of(errors), new HashSet<>(((Map<String, Number>) m.get("top_errors"))
          .values().stream().map(Number::intValue).toList()), m.toString());
      assertTrue(m.get("top_errors").toString().startsWith("{prompt too long: "), m.toString());
    }
    assertTrue(((Number) m.get("tokens_per_second")).doubleValue() > 0, m.toString());
    assertEquals(marker(runDir, "sft").get("model_version"), m.get("policy_version"));
    assertEquals(marker(runDir, "train-cost").get("model_version"), m.get("cost_version"));
    assertEquals(List.of("safety=-cost"), m.get("utility_scorers"));

    Result sc = run("score", dir, "local[2]");
    assertEquals(0, sc.code(), () -> sc.out() + sc.err());
    Map<String, Object> scored = marker(runDir, "score");
    Map<String, Object> prepared = marker(runDir, "prepare");
    assertEquals(((Number) prepared.get("pairs")).longValue(),
        ((Number) scored.get("pairs")).longValue());
    assertEquals(0, ((Number) scored.get("error_pairs")).intValue(), scored.toString());
    // The trained reward model agrees with the labels more often than chance.
    assertTrue(((Number) scored.get("reward_agrees_with_better")).doubleValue() > 0.5,
        scored.toString());

    Result d = run("solve-dual", dir, "local[2]");
    assertEquals(0, d.code(), () -> d.out() + d.err());
    Map<String, Object> dual = marker(runDir, "solve-dual");
    assertNotNull(dual.get("lambda"), dual.toString());

    SparkSession spark = TestSpark.builder().master("local[1]").appName("check").getOrCreate();
    try {
      List<Constraint> cs = List.of(new Constraint("safety", ConstraintForm.RELATIVE, 1.0));
      List<Row> rows = spark.read().schema(SampleTable.schema(cs))
          .parquet(runDir.resolve("sample-ref/samples").toString()).collectAsList();
      assertEquals(18, rows.size());
      Set<String> train = new HashSet<>(spark.read().schema(DataTables.PROMPTS_SCHEMA)
          .parquet(runDir.resolve("prepare/prompts").toString()).filter("split = 'train'")
          .select("prompt_id").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
      int clean = 0;
      for (Row r : rows) {
        assertTrue(train.contains(r.getString(2)), r.toString());
        if (r.getAs(SampleTable.ERROR) == null) {
          clean++;
          assertTrue(Double.isFinite(r.<Double>getAs("utility_safety")));
          assertNotNull(r.getAs(SampleTable.RESPONSE));
        } else {
          assertNull(r.getAs(SampleTable.REWARD));
        }
      }
      assertEquals(18 - errors, clean);
      List<Row> full = spark.read().parquet(runDir.resolve("sample-ref/samples").toString())
          .collectAsList();
      Row r0 = full.stream().filter(r -> r.getAs("error") == null).findFirst().orElseThrow();
      assertEquals(Seeds.mix(42L, 0, r0.getAs("prompt_id"), r0.<Integer>getAs("sample_idx")),
          (long) r0.getAs(RolloutTable.SEED));
      assertNotNull(r0.getAs(RolloutTable.GOLD_REWARD));
      List<Row> pairs = spark.read().parquet(runDir.resolve("score/pairs").toString())
          .limit(3).collectAsList();
      assertTrue(Double.isFinite(pairs.get(0).<Double>getAs("utility_safety_1")));
    } finally {
      spark.stop();
    }
    // A committed stage is skipped.
    Result again = run("sample-ref", dir, "local[2]");
    assertEquals(0, again.code());
    assertTrue(again.out().contains("sample-ref: already committed"), again.out());
    assertTrue(ConfigLoader.fromClasspath() != null);
  }
}
