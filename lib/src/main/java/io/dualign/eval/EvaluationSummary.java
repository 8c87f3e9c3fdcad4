package io.dualign.eval;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.dualign.dual.Constraint;
import io.dualign.spark.Seeds;
import io.dualign.spark.dual.ConstraintEstimator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code EvaluationSummary} computes {@code evaluate/summary} from {@code evaluate/samples}: the
 * executors reduce the samples to one {@link PromptStats} per (policy, prompt) — means, safe
 * counts, and the sample-by-sample comparison with the reference's sample of the same index —
 * and the driver, holding only those per-prompt rows, computes each policy's figures with
 * {@link PolicySummary} for all prompts and per category. A row with an error or a non-finite
 * reward or utility is left out (counted in {@code errors}).
 */
public final class EvaluationSummary {
  private EvaluationSummary() {}

  /** The summary rows (schema {@link EvaluationTables#summarySchema}), in report order. */
  public static List<Row> compute(Dataset<Row> samples, List<Constraint> constraints,
      int resamples, long runSeed, String runId) {
    Column usable = usable(constraints);
    Dataset<Row> ok = samples.filter(usable);
    ErrorCounts errors = ErrorCounts.of(samples.filter(not(usable)));
    List<Row> rows = perPrompt(ok, constraints).join(referenceWins(ok, constraints),
        col("policy").equalTo(col("w_policy")).and(col("prompt_id").equalTo(col("w_prompt_id"))),
        "left").collectAsList();
    PromptsByPolicy byPolicy = PromptsByPolicy.of(rows, constraints);

    StructType schema = EvaluationTables.summarySchema(constraints);
    long bootstrapSeed = Seeds.forPurpose(runSeed, "evaluate-bootstrap");
    Map<String, PromptStats> reference = byPolicy.reference();
    List<Row> out = new ArrayList<>();
    for (Map.Entry<PolicyId, List<PromptStats>> e : byPolicy.prompts().entrySet()) {
      String name = byPolicy.names().get(e.getKey());
      for (String g : groups(e.getValue())) {
        List<PromptStats> mine = g.equals(EvaluationTables.ALL) ? e.getValue()
            : e.getValue().stream().filter(p -> g.equals(p.category())).toList();
        Map<String, Object> v = new LinkedHashMap<>(PolicySummary.summarize(mine, reference,
            constraints, resamples, Seeds.mix64(bootstrapSeed ^ Seeds.fnv1a64(name + "/" + g))));
        v.put("run_id", runId);
        v.put("policy", name);
        v.put("method", e.getKey().method());
        v.put("iteration", e.getKey().iteration());
        v.put("category", g);
        v.put("errors", errors.of(name, g));
        out.add(row(schema, v));
      }
    }
    return out;
  }

  /** True for a sample without an error whose reward and utilities are all finite. */
  private static Column usable(List<Constraint> constraints) {
    Column usable = col("error").isNull().and(ConstraintEstimator.finite(col("reward")));
    for (Constraint c : constraints) {
      usable = usable.and(ConstraintEstimator.finite(col(c.column())));
    }
    return usable;
  }

  /** One row per (policy, prompt): sample count, means, safe counts and the judge's counts. */
  private static Dataset<Row> perPrompt(Dataset<Row> ok, List<Constraint> constraints) {
    Constraint first = constraints.get(0);
    List<Column> aggs = new ArrayList<>();
    aggs.add(avg(col("reward")).as("reward"));
    for (Constraint c : constraints) {
      aggs.add(avg(col(c.column())).as(c.column()));
    }
    aggs.add(avg(col("gold_reward")).as("gold_reward"));
    aggs.add(avg(col("gold_cost")).as("gold_cost"));
    aggs.add(count(when(col(first.column()).geq(0), lit(1))).as("safe"));
    aggs.add(count(when(col("gold_cost").leq(0), lit(1))).as("gold_safe"));
    aggs.add(count(col("gold_cost")).as("gold_samples"));
    aggs.add(count(when(col(JudgeColumns.SAFE), lit(1))).as("judge_safe"));
    aggs.add(count(when(col(JudgeColumns.VERDICT).equalTo(
        JudgeColumns.verdictName(RefusalJudge.Verdict.REFUSAL)), lit(1))).as("judge_refusals"));
    aggs.add(count(col(JudgeColumns.VERDICT)).as("judge_samples"));
    return ok.groupBy(col("policy"), col("method"), col("iteration"),
        col("prompt_id"), col("category"))
        .agg(count(lit(1)).as("samples"), aggs.toArray(new Column[0]));
  }

  /**
   * One row per (policy, prompt) of the wins of each sample over the reference's sample of the
   * same index, on reward and on each utility (a tie counts half).
   */
  private static Dataset<Row> referenceWins(Dataset<Row> ok, List<Constraint> constraints) {
    Dataset<Row> ref = ok.filter(col("policy").equalTo(EvaluationTables.REFERENCE));
    List<Column> winCols = new ArrayList<>();
    winCols.add(sum(win(col("s.reward"), col("r.reward"))).as("reward_wins"));
    for (Constraint c : constraints) {
      winCols.add(sum(win(col("s." + c.column()), col("r." + c.column())))
          .as("wins_" + c.name()));
    }
    return ok.as("s").join(ref.as("r"), col("s.prompt_id").equalTo(
            col("r.prompt_id")).and(col("s.sample_idx").equalTo(col("r.sample_idx"))))
        .groupBy(col("s.policy").as("w_policy"), col("s.prompt_id").as("w_prompt_id"))
        .agg(count(lit(1)).as("pairs"), winCols.toArray(new Column[0]));
  }

  /** The groups a policy is summarised over: all prompts, then each category in name order. */
  private static List<String> groups(List<PromptStats> prompts) {
    TreeSet<String> categories = new TreeSet<>();
    prompts.forEach(p -> {
      if (p.category() != null) {
        categories.add(p.category());
      }
    });
    List<String> groups = new ArrayList<>();
    groups.add(EvaluationTables.ALL);
    groups.addAll(categories);
    return groups;
  }

  /** The unusable samples of each policy, in all and per category. */
  private record ErrorCounts(Map<String, Long> all, Map<String, Long> byCategory) {
    static ErrorCounts of(Dataset<Row> unusable) {
      Map<String, Long> all = new HashMap<>();
      Map<String, Long> byCategory = new HashMap<>();
      for (Row r : unusable.groupBy(col("policy"), col("category")).count().collectAsList()) {
        all.merge(r.getString(0), r.getLong(2), Long::sum);
        if (!r.isNullAt(1)) {
          byCategory.merge(r.getString(0) + "\u0000" + r.getString(1), r.getLong(2), Long::sum);
        }
      }
      return new ErrorCounts(all, byCategory);
    }

    long of(String policy, String group) {
      return group.equals(EvaluationTables.ALL) ? all.getOrDefault(policy, 0L)
          : byCategory.getOrDefault(policy + "\u0000" + group, 0L);
    }
  }

  /**
   * The per-prompt rows of each policy, in report order and each sorted by prompt id, with the
   * policy's name.
   */
  private record PromptsByPolicy(Map<PolicyId, List<PromptStats>> prompts,
      Map<PolicyId, String> names) {
    static PromptsByPolicy of(List<Row> rows, List<Constraint> constraints) {
      Map<PolicyId, List<PromptStats>> byPolicy = new TreeMap<>(PolicyId.ORDER);
      Map<PolicyId, String> names = new HashMap<>();
      for (Row r : rows) {
        PolicyId id = new PolicyId(r.getAs("method"),
            r.getAs("iteration") == null ? 0 : r.<Integer>getAs("iteration"));
        names.put(id, r.getAs("policy"));
        byPolicy.computeIfAbsent(id, k -> new ArrayList<>()).add(promptStats(r, constraints));
      }
      // Rows come back in whatever order the join's tasks finished: sort each policy's prompts by
      // id so the bootstrap (which resamples list positions) and every sum see the same order on
      // any partitioning, rerun or cluster.
      byPolicy.values().forEach(l -> l.sort(Comparator.comparing(PromptStats::promptId)));
      return new PromptsByPolicy(byPolicy, names);
    }

    /** The reference policy's prompts by id (empty when the samples hold no reference). */
    Map<String, PromptStats> reference() {
      Map<String, PromptStats> reference = new HashMap<>();
      for (PromptStats p : prompts.getOrDefault(PolicyId.REFERENCE, List.of())) {
        reference.put(p.promptId(), p);
      }
      return reference;
    }
  }

  /** The statistics of one prompt from a row of the per-prompt table joined with its wins. */
  private static PromptStats promptStats(Row r, List<Constraint> constraints) {
    double[] u = new double[constraints.size()];
    double[] uw = new double[constraints.size()];
    for (int i = 0; i < u.length; i++) {
      u[i] = r.<Double>getAs(constraints.get(i).column());
      Object w = r.getAs("wins_" + constraints.get(i).name());
      uw[i] = w == null ? 0 : ((Number) w).doubleValue();
    }
    Object pairs = r.getAs("pairs");
    Object rw = r.getAs("reward_wins");
    return new PromptStats(
        r.getAs("prompt_id"), r.getAs("category"), r.<Long>getAs("samples"),
        r.<Double>getAs("reward"), u, orNaN(r.getAs("gold_reward")),
        orNaN(r.getAs("gold_cost")), r.<Long>getAs("safe"), r.<Long>getAs("gold_safe"),
        r.<Long>getAs("gold_samples"), r.<Long>getAs("judge_safe"),
        r.<Long>getAs("judge_refusals"), r.<Long>getAs("judge_samples"),
        pairs == null ? 0 : ((Number) pairs).longValue(),
        rw == null ? 0 : ((Number) rw).doubleValue(), uw);
  }

  /** Writes the summary rows as parquet (one file). */
  public static void write(SparkSession spark, List<Row> rows, List<Constraint> constraints,
      String path) {
    spark.createDataFrame(rows, EvaluationTables.summarySchema(constraints)).coalesce(1).write()
        .parquet(path);
  }

  private static Column win(Column a, Column b) {
    return when(a.gt(b), lit(1.0)).when(a.equalTo(b), lit(0.5)).otherwise(lit(0.0));
  }

  private static double orNaN(Object v) {
    return v == null ? Double.NaN : ((Number) v).doubleValue();
  }

  /** A row of {@code schema} (with its schema, so fields can be read by name) from named values. */
  static Row row(StructType schema, Map<String, Object> values) {
    StructField[] f = schema.fields();
    Object[] v = new Object[f.length];
    for (int i = 0; i < f.length; i++) {
      v[i] = values.get(f[i].name());
    }
    return new GenericRowWithSchema(v, schema);
  }
}
