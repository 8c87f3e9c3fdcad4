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
    Column usable = col("error").isNull().and(ConstraintEstimator.finite(col("reward")));
    for (Constraint c : constraints) {
      usable = usable.and(ConstraintEstimator.finite(col(c.column())));
    }
    Dataset<Row> ok = samples.filter(usable);

    Map<String, Long> errorsAll = new HashMap<>();
    Map<String, Long> errorsByCategory = new HashMap<>();
    for (Row r : samples.filter(not(usable))
        .groupBy(col("policy"), col("category")).count().collectAsList()) {
      errorsAll.merge(r.getString(0), r.getLong(2), Long::sum);
      if (!r.isNullAt(1)) {
        errorsByCategory.merge(r.getString(0) + "\u0000" + r.getString(1), r.getLong(2),
            Long::sum);
      }
    }

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
    Dataset<Row> perPrompt = ok.groupBy(col("policy"), col("method"), col("iteration"),
        col("prompt_id"), col("category"))
        .agg(count(lit(1)).as("samples"), aggs.toArray(new Column[0]));

    Dataset<Row> ref = ok.filter(col("policy").equalTo(EvaluationTables.REFERENCE));
    List<Column> winCols = new ArrayList<>();
    winCols.add(sum(win(col("s.reward"), col("r.reward"))).as("reward_wins"));
    for (Constraint c : constraints) {
      winCols.add(sum(win(col("s." + c.column()), col("r." + c.column())))
          .as("wins_" + c.name()));
    }
    Dataset<Row> wins = ok.as("s").join(ref.as("r"), col("s.prompt_id").equalTo(
            col("r.prompt_id")).and(col("s.sample_idx").equalTo(col("r.sample_idx"))))
        .groupBy(col("s.policy").as("w_policy"), col("s.prompt_id").as("w_prompt_id"))
        .agg(count(lit(1)).as("pairs"), winCols.toArray(new Column[0]));
    List<Row> rows = perPrompt.join(wins, col("policy").equalTo(col("w_policy"))
        .and(col("prompt_id").equalTo(col("w_prompt_id"))), "left").collectAsList();

    Map<PolicyId, List<PromptStats>> byPolicy = new TreeMap<>(PolicyId.ORDER);
    Map<PolicyId, String> names = new HashMap<>();
    for (Row r : rows) {
      PolicyId id = new PolicyId(r.getAs("method"),
          r.getAs("iteration") == null ? 0 : r.<Integer>getAs("iteration"));
      names.put(id, r.getAs("policy"));
      double[] u = new double[constraints.size()];
      double[] uw = new double[constraints.size()];
      for (int i = 0; i < u.length; i++) {
        u[i] = r.<Double>getAs(constraints.get(i).column());
        Object w = r.getAs("wins_" + constraints.get(i).name());
        uw[i] = w == null ? 0 : ((Number) w).doubleValue();
      }
      Object pairs = r.getAs("pairs");
      Object rw = r.getAs("reward_wins");
      byPolicy.computeIfAbsent(id, k -> new ArrayList<>()).add(new PromptStats(
          r.getAs("prompt_id"), r.getAs("category"), r.<Long>getAs("samples"),
          r.<Double>getAs("reward"), u, orNaN(r.getAs("gold_reward")),
          orNaN(r.getAs("gold_cost")), r.<Long>getAs("safe"), r.<Long>getAs("gold_safe"),
          r.<Long>getAs("gold_samples"), pairs == null ? 0 : ((Number) pairs).longValue(),
          rw == null ? 0 : ((Number) rw).doubleValue(), uw));
    }

    // Rows come back in whatever order the join's tasks finished: sort each policy's prompts by
    // id so the bootstrap (which resamples list positions) and every sum see the same order on
    // any partitioning, rerun or cluster.
    byPolicy.values().forEach(l -> l.sort(java.util.Comparator.comparing(PromptStats::promptId)));
    Map<String, PromptStats> reference = new HashMap<>();
    for (PromptStats p : byPolicy.getOrDefault(PolicyId.REFERENCE, List.of())) {
      reference.put(p.promptId(), p);
    }
    StructType schema = EvaluationTables.summarySchema(constraints);
    long bootstrapSeed = Seeds.forPurpose(runSeed, "evaluate-bootstrap");
    List<Row> out = new ArrayList<>();
    for (Map.Entry<PolicyId, List<PromptStats>> e : byPolicy.entrySet()) {
      String name = names.get(e.getKey());
      TreeSet<String> categories = new TreeSet<>();
      e.getValue().forEach(p -> {
        if (p.category() != null) {
          categories.add(p.category());
        }
      });
      List<String> groups = new ArrayList<>();
      groups.add(EvaluationTables.ALL);
      groups.addAll(categories);
      for (String g : groups) {
        List<PromptStats> mine = g.equals(EvaluationTables.ALL) ? e.getValue()
            : e.getValue().stream().filter(p -> g.equals(p.category())).toList();
        Map<String, Object> v = new LinkedHashMap<>(PolicySummary.summarize(mine, reference,
            constraints, resamples, Seeds.mix64(bootstrapSeed ^ Seeds.fnv1a64(name + "/" + g))));
        v.put("run_id", runId);
        v.put("policy", name);
        v.put("method", e.getKey().method());
        v.put("iteration", e.getKey().iteration());
        v.put("category", g);
        v.put("errors", g.equals(EvaluationTables.ALL) ? errorsAll.getOrDefault(name, 0L)
            : errorsByCategory.getOrDefault(name + "\u0000" + g, 0L));
        out.add(row(schema, v));
      }
    }
    return out;
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
