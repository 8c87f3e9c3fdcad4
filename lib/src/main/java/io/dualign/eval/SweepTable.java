package io.dualign.eval;

import io.dualign.dual.Constraint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code SweepTable} is the threshold sweep's frontier table ({@code sweep/summary}): one row for
 * π_ref (b null: it does not depend on b), then for each b of the sweep, in increasing order, one
 * row for the one-shot policy and one for CAID's final iteration, each with its Δ vs π_ref and 95%
 * intervals, taken from that b's {@code evaluate/summary} (category {@code all}). The threshold
 * swept is the first constraint's; its name is the {@code constraint} column and its utility
 * column {@code utility_<name>} names the Δ columns. Built on the driver from a few summary rows.
 */
public final class SweepTable {
  private SweepTable() {}

  /**
   * One b of the sweep: its evaluation summary rows (category {@code all}) and its multipliers.
   *
   * @param lambdaStar the one-shot λ* of the first constraint at this b (null when unknown)
   * @param finalLambda the λ of the first constraint at the last iteration of each method that
   *     moves it ({@code caid}, {@code safe-rlhf}; a missing method: null in its row)
   */
  public record Threshold(double b, Double lambdaStar, Map<String, Double> finalLambda,
      List<Row> summary) {
    public Threshold {
      finalLambda = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(finalLambda));
    }
  }

  /** The methods whose final policy has a row per b, in table order. */
  static final List<String> SWEPT_METHODS = List.of("oneshot", "caid", "safe-rlhf");

  /** The pinned schema of {@code sweep/summary} for the swept constraint. */
  public static StructType schema(Constraint c) {
    List<StructField> f = new ArrayList<>();
    f.add(field("run_id", DataTypes.StringType));
    f.add(field("constraint", DataTypes.StringType));
    f.add(field("b", DataTypes.DoubleType));
    f.add(field("policy", DataTypes.StringType));
    f.add(field("method", DataTypes.StringType));
    f.add(field("iteration", DataTypes.IntegerType));
    f.add(field("lambda", DataTypes.DoubleType));
    f.add(field("lambda_star", DataTypes.DoubleType));
    f.add(field("prompts", DataTypes.LongType));
    f.add(field("samples", DataTypes.LongType));
    for (String score : List.of("reward", c.column())) {
      f.add(field(score + "_mean", DataTypes.DoubleType));
      f.add(field("delta_" + score, DataTypes.DoubleType));
      f.add(field("delta_" + score + "_lower95", DataTypes.DoubleType));
      f.add(field("delta_" + score + "_upper95", DataTypes.DoubleType));
    }
    f.add(field("constraint_met", DataTypes.BooleanType));
    f.add(field("safety_rate", DataTypes.DoubleType));
    f.add(field("judge_safety_rate", DataTypes.DoubleType));
    f.add(field("delta_gold_reward", DataTypes.DoubleType));
    f.add(field("delta_gold_cost", DataTypes.DoubleType));
    return DataTypes.createStructType(f);
  }

  /**
   * The table's rows: π_ref once (from the first b's summary), then per b in increasing order
   * one-shot, CAID's last iteration and Safe RLHF's, whichever the b's summary holds.
   */
  public static List<Row> rows(String runId, Constraint c, List<Threshold> sweep) {
    List<Threshold> sorted = new ArrayList<>(sweep);
    sorted.sort(Comparator.comparingDouble(Threshold::b));
    List<Row> out = new ArrayList<>();
    for (Threshold t : sorted) {
      Row ref = find(t.summary(), EvaluationTables.REFERENCE);
      if (ref != null) {
        out.add(row(runId, c, null, ref, null, null));
        break;
      }
    }
    for (Threshold t : sorted) {
      for (String method : SWEPT_METHODS) {
        Row r = find(t.summary(), method);
        if (r != null) {
          out.add(row(runId, c, t.b(), r, "oneshot".equals(method) ? t.lambdaStar()
              : t.finalLambda().get(method), t.lambdaStar()));
        }
      }
    }
    return out;
  }

  /** The row of a method (its last iteration) among category-{@code all} summary rows. */
  private static Row find(List<Row> summary, String method) {
    Row best = null;
    for (Row r : summary) {
      if (!EvaluationTables.ALL.equals(r.getAs("category")) || !method.equals(r.getAs("method"))) {
        continue;
      }
      if (best == null || r.<Integer>getAs("iteration") > best.<Integer>getAs("iteration")) {
        best = r;
      }
    }
    return best;
  }

  private static Row row(String runId, Constraint c, Double b, Row s, Double lambda,
      Double lambdaStar) {
    String u = c.column();
    return RowFactory.create(runId, c.name(), b, s.getAs("policy"), s.getAs("method"),
        s.getAs("iteration"), lambda, lambdaStar, s.getAs("prompts"), s.getAs("samples"),
        s.getAs("reward_mean"), s.getAs("delta_reward"), s.getAs("delta_reward_lower95"),
        s.getAs("delta_reward_upper95"), s.getAs(u + "_mean"), s.getAs("delta_" + u),
        s.getAs("delta_" + u + "_lower95"), s.getAs("delta_" + u + "_upper95"),
        b == null ? null : s.getAs("constraint_met_" + c.name()), s.getAs("safety_rate"),
        s.getAs("judge_safety_rate"), s.getAs("delta_gold_reward"), s.getAs("delta_gold_cost"));
  }

  private static StructField field(String name, DataType type) {
    return DataTypes.createStructField(name, type, true);
  }
}
