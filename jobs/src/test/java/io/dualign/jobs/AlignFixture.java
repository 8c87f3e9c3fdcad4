package io.dualign.jobs;

import static org.apache.spark.sql.functions.col;

import io.dualign.algo.align.AlignPairs;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.data.DataTables;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.vocabulary.Stage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * {@code AlignFixture} makes a run directory ready for {@code align}: prepared pairs with a clear
 * signal ({@link TrainingStagesTest#rows}), a real sft stage, scored pairs written by the test
 * with the {@link TextRuleRollouts} rule, reference samples of π_ref from those rollouts, and a
 * real solve-dual.
 */
final class AlignFixture {
  private AlignFixture() {}

  /** The test configuration: tiny profile, a smaller model, T = 2, b = 0.3. */
  static DualignConfig config(List<String> extra) {
    List<String> sets = new ArrayList<>(List.of("model.vocabSize=400", "model.dModel=64",
        "model.layers=2", "model.ffnHidden=128", "train.sftEpochs=4", "dual.thresholds=[0.3]",
        "align.iterations=2", "align.maxPairs=48", "align.rolloutPrompts=8",
        "align.rolloutSamples=4", "align.batchSize=8", "align.learningRate=0.002"));
    sets.addAll(extra);
    return ConfigLoader.fromClasspath().load("tiny", null, sets);
  }

  /** A JSON number of a marker as a double. */
  static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  /** The safety component of a marker's λ map under {@code key} (lambda, next_lambda, ...). */
  @SuppressWarnings("unchecked")
  static double lambda(Map<String, Object> marker, String key) {
    return num(((Map<String, Object>) marker.get(key)).get("safety"));
  }

  static TextRuleRollouts rollouts(DualignConfig cfg) {
    return new TextRuleRollouts(cfg.model(), cfg.run().seed(), 24);
  }

  /**
   * Adds prepare's prompts table (what evaluate reads) from the fixture's pairs: {@link #build}
   * writes the pairs only.
   */
  static void writePromptsTable(StageContext ctx) {
    RunDirectory dir = ctx.runDir();
    ctx.spark().read().parquet(dir.path("prepare") + "/pairs")
        .selectExpr("prompt_id", "prompt", "CAST(NULL AS STRING) AS category", "split")
        .dropDuplicates("prompt_id")
        .write().parquet(dir.path("prepare") + "/" + DataTables.PROMPTS);
  }

  /** Writes prepare, sft, score, sample-ref and solve-dual into the context's run directory. */
  static void build(StageContext ctx) throws Exception {
    SparkSession spark = ctx.spark();
    RunDirectory dir = ctx.runDir();
    List<Row> rows = new ArrayList<>(TrainingStagesTest.rows(72, "train", 1));
    rows.addAll(TrainingStagesTest.rows(16, "test", 2));
    PendingOutput prep = dir.begin("prepare");
    spark.createDataFrame(rows, PreparedPairs.SCHEMA).write().parquet(prep.uri("pairs"));
    prep.commit(Map.of("input", "synthetic", "pairs", rows.size(), "prompts", rows.size(),
        "quarantined", 0));
    StageRunner.run(ctx, Stage.SFT, StageJobs.job(Stage.SFT));

    List<Row> scored = new ArrayList<>();
    for (Row r : rows) {
      String r0 = r.getString(3);
      String r1 = r.getString(4);
      scored.add(RowFactory.create(r.getString(0), r.getString(1), r.getString(9),
          r.getString(2), r0, r1, r.getInt(5), r.getInt(6), TextRuleRollouts.reward(r0),
          TextRuleRollouts.reward(r1), TextRuleRollouts.utility(r0), TextRuleRollouts.utility(r1),
          null));
    }
    PendingOutput score = dir.begin("score");
    spark.createDataFrame(scored, AlignPairs.scoredSchema(ctx.config().dual().constraints()))
        .write().parquet(score.uri("pairs"));
    score.commit(Map.of("run_id", ctx.runId(), "pairs", scored.size()));

    Dataset<Row> prompts = spark.read().parquet(dir.path("score") + "/pairs")
        .filter(col("split").equalTo("train")).select("prompt_id", "prompt").orderBy("prompt_id")
        .limit(12).repartition(2);
    PendingOutput ref = dir.begin("sample-ref");
    rollouts(ctx.config()).rollout(spark, prompts, dir.path("sft") + "/model", ctx.runId(), 0, 24)
        .write().parquet(ref.uri("samples"));
    ref.commit(Map.of("run_id", ctx.runId(), "prompts", 12, "samples_per_prompt", 24,
        "rows", 12 * 24));
    StageRunner.run(ctx, Stage.SOLVE_DUAL, StageJobs.job(Stage.SOLVE_DUAL));
  }
}
