package io.dualign.jobs;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.align.AlignMethods;
import io.dualign.algo.align.AlignRun;
import io.dualign.algo.align.PolicyRollouts;
import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.config.EvaluateSettings;
import io.dualign.data.DataTables;
import io.dualign.dual.Constraint;
import io.dualign.eval.EvaluationSummary;
import io.dualign.eval.EvaluationTables;
import io.dualign.eval.JudgeColumns;
import io.dualign.eval.PolicyId;
import io.dualign.run.OutputState;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.EvaluateMarker;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.PolicyFigures;
import io.dualign.vocabulary.Hashes;
import io.dualign.vocabulary.Stage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EvaluateJob} is the {@code evaluate} stage: every policy of the run (π_ref from
 * {@code sft}, then each committed align method: every CAID iteration, the final policy of the
 * others) samples {@code evaluate.samplesPerPrompt} responses per evaluation prompt (the test
 * split of {@code prepare/prompts}, plus {@code evaluate.extraPrompts}) on the executors through
 * the same rollouts CAID uses, scored by the reward and every utility and, on the embedded
 * synthetic data, by the gold scorers (the rollouts' {@code rollout.goldScores}); the rule-based
 * {@link io.dualign.eval.RefusalJudge} reads every response there too ({@link JudgeColumns}). It
 * writes
 * {@code evaluate/samples} and the per-policy {@code evaluate/summary} ({@link EvaluationSummary}).
 */
final class EvaluateJob implements StageJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);
  static final StructType PROMPT_SET_SCHEMA = new StructType()
      .add("prompt", DataTypes.StringType, true).add("category", DataTypes.StringType, true);
  static final StructType EVAL_PROMPTS_SCHEMA = new StructType()
      .add("prompt_id", DataTypes.StringType, false).add("prompt", DataTypes.StringType, false)
      .add("category", DataTypes.StringType, true).add("prompt_set", DataTypes.StringType, false);

  private final PolicyRollouts rollouts;

  EvaluateJob() {
    this(null);
  }

  /** @param rollouts the rollout implementation, or null for the configured one */
  EvaluateJob(PolicyRollouts rollouts) {
    this.rollouts = rollouts;
  }

  /** One policy to evaluate: its id and its checkpoint folder. */
  record Policy(PolicyId id, String checkpoint) {}

  @Override
  public Map<String, Object> run(StageContext ctx, PendingOutput out) throws Exception {
    RunDirectory dir = ctx.runDir();
    DualignConfig cfg = ctx.config();
    List<Constraint> constraints = cfg.dual().constraints();
    List<Policy> policies = policies(dir);
    SparkSession spark = ctx.spark();
    // π_ref as committed: a provided model must still be the version its marker recorded.
    io.dualign.spark.RunModels.of(dir, Stage.SFT, spark.sparkContext().hadoopConfiguration());
    Dataset<Row> prompts = prompts(spark, dir, cfg.evaluate()).cache();
    long promptCount = prompts.count();
    if (promptCount == 0) {
      throw new DataRejectedException("evaluate: no evaluation prompt (the test split of "
          + dir.path("prepare") + "/" + DataTables.PROMPTS + " is empty and "
          + "evaluate.extraPrompts is '" + cfg.evaluate().extraPrompts() + "')");
    }
    PolicyRollouts r = rollouts;
    if (r == null) {
      try {
        r = AlignRollouts.fromConfig(ctx);
      } catch (ConfigError e) {
        throw new ConfigError("evaluate samples every policy with the rollouts CAID uses: "
            + e.getMessage(), e);
      }
    }
    StructType schema = EvaluationTables.samplesSchema(constraints);
    String samplesUri = out.uri(EvaluationTables.SAMPLES);
    int k = cfg.evaluate().samplesPerPrompt();
    try {
      for (Policy p : policies) {
        long t0 = System.nanoTime();
        Dataset<Row> rows = r.rollout(spark, prompts.select("prompt_id", "prompt"),
            p.checkpoint(), ctx.runId(), p.id().iteration(), k);
        Dataset<Row> scored = withGold(rows);
        Dataset<Row> joined = JudgeColumns.withJudgement(
            scored.drop("prompt", "category", "prompt_set")
                .join(broadcast(prompts), "prompt_id")
                .withColumn("policy", lit(p.id().name()))
                .withColumn("method", lit(p.id().method()))
                .withColumn("iteration", lit(p.id().iteration())));
        List<Column> cols = new ArrayList<>();
        for (String f : schema.fieldNames()) {
          cols.add(col(f).cast(schema.apply(f).dataType()).as(f));
        }
        joined.select(cols.toArray(new Column[0])).write().mode(SaveMode.Append)
            .parquet(samplesUri);
        LOG.info("evaluate: {} sampled {} prompts x {} in {} s", p.id().name(), promptCount, k,
            String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
      }
    } finally {
      if (r != rollouts && r instanceof AutoCloseable c) {
        c.close(); // every policy's rollouts are written: drop the model broadcasts
      }
    }
    Dataset<Row> samples = spark.read().schema(schema).parquet(samplesUri);
    List<Row> summary = EvaluationSummary.compute(samples, constraints,
        cfg.evaluate().bootstrapSamples(), cfg.run().seed(), ctx.runId());
    EvaluationSummary.write(spark, summary, constraints, out.uri(EvaluationTables.SUMMARY));
    prompts.unpersist();
    boolean gold = samples.filter(col("gold_cost").isNotNull()).limit(1).count() > 0;
    return marker(ctx, policies, promptCount, k, gold, summary, constraints);
  }

  /** π_ref, then every committed align method's policies in report order. */
  static List<Policy> policies(RunDirectory dir) throws java.io.IOException {
    if (dir.state(Stage.SFT.cliName()) != OutputState.COMMITTED) {
      throw new ConfigError("evaluate needs the committed output of sft (π_ref) in " + dir.root()
          + "; run 'dualign sft' first");
    }
    List<Policy> out = new ArrayList<>();
    out.add(new Policy(PolicyId.REFERENCE, io.dualign.spark.RunModels.location(dir, Stage.SFT)));
    for (AlignMethod m : AlignMethods.all()) {
      TreeMap<Integer, String> its = new TreeMap<>();
      for (int t = 1; dir.state(AlignRun.iterationOutput(m, t)) == OutputState.COMMITTED; t++) {
        its.put(t, new Path(dir.path(AlignRun.iterationOutput(m, t)), AlignRun.MODEL).toString());
      }
      if (its.isEmpty() || dir.state(AlignRun.methodOutput(m)) != OutputState.COMMITTED) {
        if (!its.isEmpty()) {
          LOG.warn("evaluate: align/{} is not committed ({} iterations are): left out",
              m.cliName(), its.size());
        }
        continue;
      }
      if (m.evaluatesEveryIteration()) {
        its.forEach((t, ckpt) -> out.add(new Policy(new PolicyId(m.cliName(), t), ckpt)));
      } else {
        out.add(new Policy(new PolicyId(m.cliName(), its.lastKey()), its.lastEntry().getValue()));
      }
    }
    return out;
  }

  /** The evaluation prompts: the test split (at most evaluate.maxPrompts) and the extra set. */
  static Dataset<Row> prompts(SparkSession spark, RunDirectory dir, EvaluateSettings s) {
    if (dir.state(Stage.PREPARE.cliName()) != OutputState.COMMITTED) {
      throw new ConfigError("evaluate needs the committed output of prepare in " + dir.root()
          + "; run 'dualign prepare' first");
    }
    Dataset<Row> test = spark.read().schema(DataTables.PROMPTS_SCHEMA)
        .parquet(new Path(dir.path(Stage.PREPARE.cliName()), DataTables.PROMPTS).toString())
        .filter(col("split").equalTo("test")).orderBy(col("prompt_id"));
    if (s.maxPrompts() > 0) {
      test = test.limit((int) Math.min(Integer.MAX_VALUE, s.maxPrompts()));
    }
    Dataset<Row> out = test.select(col("prompt_id"), col("prompt"), col("category"),
        lit("test").as("prompt_set"));
    if (!s.extraPrompts().isBlank()) {
      Dataset<Row> extra = spark.read().schema(PROMPT_SET_SCHEMA).json(s.extraPrompts())
          .filter(col("prompt").isNotNull())
          .map(new ExtraPromptFn(), Encoders.row(EVAL_PROMPTS_SCHEMA));
      out = out.unionByName(extra);
    }
    return out.dropDuplicates("prompt_id");
  }

  /**
   * The rows with {@code gold_reward} / {@code gold_cost}: the rollouts' own (they add the
   * synthetic world's gold scores per {@code rollout.goldScores}), or null columns.
   */
  static Dataset<Row> withGold(Dataset<Row> rows) {
    List<String> names = Arrays.asList(rows.columns());
    Dataset<Row> out = rows;
    for (String g : List.of("gold_reward", "gold_cost")) {
      if (!names.contains(g)) {
        out = out.withColumn(g, lit(null).cast(DataTypes.DoubleType));
      }
    }
    return out;
  }

  private static Map<String, Object> marker(StageContext ctx, List<Policy> policies,
      long prompts, int k, boolean gold, List<Row> summary, List<Constraint> constraints) {
    Map<String, PolicyFigures> byPolicy = new LinkedHashMap<>();
    Constraint c = constraints.get(0);
    for (Row r : summary) {
      if (!EvaluationTables.ALL.equals(r.getAs("category"))) {
        continue;
      }
      String delta = "delta_" + c.column();
      Map<String, Object> named = new LinkedHashMap<>(); // the figures named after c
      named.put(delta, r.getAs(delta));
      named.put(delta + "_lower95", r.getAs(delta + "_lower95"));
      named.put(delta + "_upper95", r.getAs(delta + "_upper95"));
      named.put("constraint_met_" + c.name(), r.getAs("constraint_met_" + c.name()));
      byPolicy.put(r.getAs("policy"), new PolicyFigures(
          policies.stream().filter(x -> x.id().name().equals(r.getAs("policy")))
              .map(Policy::checkpoint).findFirst().orElse(null),
          r.getAs("samples"), r.getAs("errors"), r.getAs("reward_mean"),
          r.getAs("delta_reward"), r.getAs("delta_reward_lower95"),
          r.getAs("delta_reward_upper95"), r.getAs("safety_rate"), r.getAs("delta_gold_reward"),
          r.getAs("delta_gold_cost"), r.getAs("delta_gold_cost_lower95"),
          r.getAs("delta_gold_cost_upper95"), r.getAs("judge_safety_rate"),
          r.getAs("judge_refusal_rate"), named));
    }
    return Markers.toMap(new EvaluateMarker(ctx.runId(), prompts, k, gold,
        ctx.config().evaluate().bootstrapSamples(), ctx.config().evaluate().extraPrompts(),
        byPolicy, null, null, null, null, null, null));
  }

  /** Gives a prompt-set row its prompt id (the same hash prepare uses). */
  static final class ExtraPromptFn implements MapFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    @Override
    public Row call(Row r) {
      String prompt = r.getString(0);
      return RowFactory.create(Hashes.promptId(prompt), prompt, r.isNullAt(1) ? null
          : r.getString(1), "extra");
    }
  }
}
