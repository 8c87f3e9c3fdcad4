package io.dualign.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.dualign.algo.align.AlignPairs;
import io.dualign.config.AlignSettings;
import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.config.UtilityScorer;
import io.dualign.data.DataTables;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.ScoreMarker;
import io.dualign.spark.ModelDelivery;
import io.dualign.spark.PairScoring;
import io.dualign.spark.ProgressReporter;
import io.dualign.spark.RolloutMetrics;
import io.dualign.spark.RunModels;
import io.dualign.spark.ScoringSpec;
import io.dualign.vocabulary.Stage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ScorePairsJob} is the {@code score} stage: both responses of every prepared pair scored by
 * the reward model and every utility on the executors, written to {@code score/pairs} — the input
 * of relabelling and DPO. Its summary also says how often the learned scores agree with the
 * pairs' labels (reward vs better_response_id, each utility vs safer_response_id). Prompts over
 * model.maxPromptTokens are cut, as the training stages cut them (rollout.truncatePrompts is for
 * sampling only).
 */
final class ScorePairsJob implements StageJob {
  /** The scored pairs table inside the stage's output. */
  static final String PAIRS = "pairs";

  @Override
  public Map<String, Object> run(StageContext ctx, PendingOutput out) throws Exception {
    DualignConfig cfg = ctx.config();
    SparkSession spark = ctx.spark();
    RunDirectory dir = ctx.runDir();
    SampleReferenceJob.requireCommitted(dir, Stage.PREPARE, Stage.SCORE);
    ScoringSpec scoring;
    try {
      // Pairs are scored as the training stages encoded them: over-long prompts are cut.
      scoring = RunModels.scoring(cfg, dir, spark.sparkContext().hadoopConfiguration())
          .with(ScoringSpec.Option.TRUNCATE_PROMPTS);
    } catch (IllegalStateException e) {
      throw new ConfigError(Stage.SCORE.cliName() + ": " + e.getMessage(), e);
    }
    try (ModelDelivery delivery = ModelDelivery.of(spark.sparkContext(), cfg)) {
      ScoreMarker summary = score(ctx, delivery.deliver(scoring), out);
      return Markers.toMap(Markers.with(summary, Map.of("model_delivery", delivery.summary())));
    }
  }

  private ScoreMarker score(StageContext ctx, ScoringSpec scoring, PendingOutput out) {
    DualignConfig cfg = ctx.config();
    SparkSession spark = ctx.spark();
    RunDirectory dir = ctx.runDir();
    int partitions = cfg.rollout().partitions() > 0 ? cfg.rollout().partitions()
        : spark.sparkContext().defaultParallelism();
    Dataset<Row> pairs = pairsToScore(spark.read().schema(DataTables.PAIRS_SCHEMA)
        .parquet(new Path(dir.path(Stage.PREPARE.cliName()), DataTables.PAIRS).toString()),
        cfg.align());
    spark.sparkContext().setJobDescription("score: count prepared pairs");
    long total = pairs.count();
    RolloutMetrics metrics = RolloutMetrics.register(spark.sparkContext(), "score");
    String table = out.uri(PAIRS);
    spark.sparkContext().setJobDescription("score: " + total + " pairs x 2 responses with "
        + "reward and " + scoring.utilities() + " on " + partitions + " partitions");
    long t0 = System.nanoTime();
    try (ProgressReporter p = ProgressReporter.start(spark.sparkContext(), "score", metrics, total,
        cfg.runtime().progressIntervalSeconds())) {
      PairScoring.score(pairs, scoring, partitions, metrics).write().parquet(table);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;

    spark.sparkContext().setJobDescription("score: summarise the scored pairs");
    Dataset<Row> written = spark.read().schema(PairScoring.schema(scoring)).parquet(table);
    Column ok = col("error").isNull();
    List<Column> aggs = new ArrayList<>(List.of(
        sum(when(ok, 1).otherwise(0)).as("scored_pairs"),
        sum(when(ok, 0).otherwise(1)).as("error_pairs"),
        avg(when(ok, col("reward_1").gt(col("reward_0")).equalTo(col("better_response_id")
            .equalTo(1)).cast("double"))).as("reward_agrees_with_better"),
        avg(when(ok, col("reward_0").plus(col("reward_1")).divide(2))).as("mean_reward")));
    for (UtilityScorer u : scoring.utilities()) {
      String c = "utility_" + u.constraint();
      aggs.add(avg(when(ok.and(col("safer_response_id").isNotNull()),
          col(c + "_1").gt(col(c + "_0")).equalTo(col("safer_response_id").equalTo(1))
              .cast("double"))).as(c + "_agrees_with_safer"));
      aggs.add(avg(when(ok, col(c + "_0").plus(col(c + "_1")).divide(2))).as("mean_" + c));
    }
    Row r = written.agg(count("*").as("pairs"), aggs.toArray(new Column[0])).first();
    Map<String, Object> byUtility = new LinkedHashMap<>(); // kept by name in the marker
    for (UtilityScorer u : scoring.utilities()) {
      String c = "utility_" + u.constraint();
      byUtility.put(c + "_agrees_with_safer", r.getAs(c + "_agrees_with_safer"));
      byUtility.put("mean_" + c, r.getAs("mean_" + c));
    }
    long rows = r.getLong(0);
    String selection = cfg.align().scoreAllPairs() || cfg.align().maxPairs() == 0 ? "all"
        : "align.maxPairs train pairs and every test pair";
    return new ScoreMarker(ctx.runId(), rows, r.getAs("scored_pairs"), r.getAs("error_pairs"),
        r.getAs("mean_reward"), r.getAs("reward_agrees_with_better"),
        seconds > 0 ? rows / seconds : null, seconds > 0 ? 2 * rows / seconds : null,
        RolloutSummary.topErrors(written), scoring.reward().version(),
        scoring.cost() == null ? null : scoring.cost().version(),
        scoring.utilities().stream().map(Object::toString).toList(), partitions, PAIRS,
        selection, null, null, null, null, seconds, null, byUtility);
  }

  /**
   * The prepared pairs to score: all of them, or with {@code align.scoreAllPairs = false} the
   * train pairs a DPO epoch reads (the first {@code align.maxPairs} by pair id, as
   * {@link AlignPairs#trainPairs} takes them) and every test pair.
   */
  static Dataset<Row> pairsToScore(Dataset<Row> prepared, AlignSettings align) {
    if (align.scoreAllPairs() || align.maxPairs() == 0) {
      return prepared;
    }
    Column train = col(AlignPairs.SPLIT).equalTo(lit(AlignPairs.TRAIN));
    Dataset<Row> used = AlignPairs.firstByPairId(prepared.filter(train.and(
        col(AlignPairs.PAIR_ID).isNotNull())), align.maxPairs());
    return used.unionByName(prepared.filter(not(train)));
  }
}
