package io.dualign.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.data.DataTables;
import io.dualign.run.OutputState;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.spark.ModelDelivery;
import io.dualign.spark.ModelRef;
import io.dualign.spark.ProgressReporter;
import io.dualign.spark.RolloutMetrics;
import io.dualign.spark.RolloutSpec;
import io.dualign.spark.Rollouts;
import io.dualign.spark.RunModels;
import io.dualign.spark.ScoringSpec;
import io.dualign.vocabulary.Stage;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code SampleReferenceJob} is the {@code sample-ref} stage: N prompts of the train split (a
 * seeded choice) × K responses sampled from π_ref (the sft stage's model: {@code sft/model} or
 * {@code model.policy}) on the executors, each
 * scored by the reward model and every utility, written to {@code sample-ref/samples} (the table
 * {@code solve-dual} reads). The driver only counts: it never collects rollout rows.
 */
final class SampleReferenceJob implements StageJob {
  /** The samples table inside the stage's output. */
  static final String SAMPLES = "samples";

  @Override
  public Map<String, Object> run(StageContext ctx, PendingOutput out) throws Exception {
    DualignConfig cfg = ctx.config();
    SparkSession spark = ctx.spark();
    RunDirectory dir = ctx.runDir();
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Stage stage = Stage.SAMPLE_REF;
    requireCommitted(dir, Stage.PREPARE, stage);
    ModelRef policy;
    ScoringSpec scoring;
    try {
      policy = RunModels.of(dir, Stage.SFT, hadoop);
      scoring = RunModels.scoring(cfg, dir, hadoop);
    } catch (IllegalStateException e) {
      throw new ConfigError(stage.cliName() + ": " + e.getMessage(), e);
    }
    int partitions = cfg.rollout().partitions() > 0 ? cfg.rollout().partitions()
        : spark.sparkContext().defaultParallelism();
    try (ModelDelivery delivery = ModelDelivery.of(spark.sparkContext(), cfg)) {
      RolloutSpec spec = delivery.deliver(RunModels.rollout(cfg, ctx.runId(), 0, policy, scoring)
          .withPartitions(partitions));
      Map<String, Object> summary = sample(ctx, spec, partitions, out);
      summary.put("model_delivery", delivery.summary());
      return summary;
    }
  }

  private Map<String, Object> sample(StageContext ctx, RolloutSpec spec, int partitions,
      PendingOutput out) {
    DualignConfig cfg = ctx.config();
    SparkSession spark = ctx.spark();
    RunDirectory dir = ctx.runDir();
    ModelRef policy = spec.policy();
    ScoringSpec scoring = spec.scoring();

    spark.sparkContext().setJobDescription("sample-ref: choose " + cfg.rollout().prompts()
        + " train prompts");
    Dataset<Row> prompts = spark.read().schema(DataTables.PROMPTS_SCHEMA)
        .parquet(new Path(dir.path(Stage.PREPARE.cliName()), DataTables.PROMPTS).toString())
        .filter(col("split").equalTo("train"))
        .orderBy(xxhash64(lit(cfg.run().seed()), col("prompt_id")), col("prompt_id"))
        .limit(cfg.rollout().prompts())
        .select("prompt_id", "prompt", "category")
        .cache();
    long n = prompts.count();
    if (n == 0) {
      throw new DataRejectedException("sample-ref: prepare/prompts has no prompt with split "
          + "'train' in " + dir.root());
    }
    long total = n * spec.samplesPerPrompt();
    RolloutMetrics metrics = RolloutMetrics.register(spark.sparkContext(), "sample-ref");
    Dataset<Row> rows = Rollouts.sample(spark, prompts, spec, metrics);
    String samples = out.uri(SAMPLES);
    spark.sparkContext().setJobDescription("sample-ref: " + n + " prompts x "
        + spec.samplesPerPrompt() + " samples from pi_ref on " + partitions + " partitions");
    long t0 = System.nanoTime();
    try (ProgressReporter p = ProgressReporter.start(spark.sparkContext(), "sample-ref", metrics,
        total, cfg.runtime().progressIntervalSeconds())) {
      rows.write().parquet(samples);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    prompts.unpersist();

    spark.sparkContext().setJobDescription("sample-ref: summarise the written samples");
    Dataset<Row> written = spark.read().schema(Rollouts.schema(spec)).parquet(samples);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("run_id", ctx.runId());
    summary.put("prompts", n);
    summary.put("samples_per_prompt", spec.samplesPerPrompt());
    summary.putAll(RolloutSummary.of(written, spec.scoring().utilityColumns(), seconds));
    summary.put("policy_version", policy.version());
    summary.put("policy_format", policy.format().id());
    summary.put("reward_version", scoring.reward().version());
    summary.put("cost_version", scoring.cost() == null ? null : scoring.cost().version());
    summary.put("sampling", Map.of("temperature", spec.temperature(), "top_p", spec.topP(),
        "top_k", spec.topK(), "max_new_tokens", spec.maxNewTokens(), "seed", spec.runSeed()));
    summary.put("partitions", partitions);
    summary.put("batch_size", spec.batchSize());
    summary.put("utility_scorers", scoring.utilities().stream().map(Object::toString).toList());
    summary.put("table", SAMPLES);
    return summary;
  }

  static void requireCommitted(RunDirectory dir, Stage needed, Stage reader) {
    OutputState s = dir.state(needed.cliName());
    if (s != OutputState.COMMITTED) {
      throw new ConfigError("stage " + reader.cliName() + " needs the output of "
          + needed.cliName() + ", which is not committed in " + dir.root() + "; run 'dualign "
          + needed.cliName() + "' first");
    }
  }
}
