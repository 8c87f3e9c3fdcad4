package io.dualign.eval;

import io.dualign.dual.Constraint;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code EvaluationTables} holds the pinned schemas of the {@code evaluate} stage's outputs:
 * {@code evaluate/samples} (one row per generated sample of one policy) and
 * {@code evaluate/summary} (one row per policy and category; {@code category = "all"} is the
 * whole evaluation set). Constraint columns follow {@code dual.constraints} in order. The page
 * docs/outputs.md documents every column; the notebooks read only these names.
 */
public final class EvaluationTables {
  /** Folder names under {@code <run-dir>/evaluate/}. */
  public static final String SAMPLES = "samples";
  public static final String SUMMARY = "summary";
  /** The category value of the summary row over every prompt. */
  public static final String ALL = "all";
  /** The policy name of π_ref. */
  public static final String REFERENCE = "reference";

  private EvaluationTables() {}

  /**
   * The per-sample table: the sample-table contract columns plus {@code policy},
   * {@code method}, {@code prompt_set}, {@code category}, {@code gold_reward}, {@code gold_cost},
   * and the rule-based judge's {@code judge_verdict} and {@code judge_safe} ({@link JudgeColumns}).
   */
  public static StructType samplesSchema(List<Constraint> constraints) {
    List<StructField> f = new ArrayList<>();
    f.add(field("run_id", DataTypes.StringType));
    f.add(field("policy", DataTypes.StringType));
    f.add(field("method", DataTypes.StringType));
    f.add(field("iteration", DataTypes.IntegerType));
    f.add(field("prompt_set", DataTypes.StringType));
    f.add(field("prompt_id", DataTypes.StringType));
    f.add(field("category", DataTypes.StringType));
    f.add(field("sample_idx", DataTypes.IntegerType));
    f.add(field("prompt", DataTypes.StringType));
    f.add(field("response", DataTypes.StringType));
    f.add(field("response_tokens", DataTypes.IntegerType));
    f.add(field("reward", DataTypes.DoubleType));
    for (Constraint c : constraints) {
      f.add(field(c.column(), DataTypes.DoubleType));
    }
    f.add(field("gold_reward", DataTypes.DoubleType));
    f.add(field("gold_cost", DataTypes.DoubleType));
    f.add(field(JudgeColumns.VERDICT, DataTypes.StringType));
    f.add(field(JudgeColumns.SAFE, DataTypes.BooleanType));
    f.add(field("error", DataTypes.StringType));
    return DataTypes.createStructType(f);
  }

  /** The per-policy summary table. */
  public static StructType summarySchema(List<Constraint> constraints) {
    List<StructField> f = new ArrayList<>();
    f.add(field("run_id", DataTypes.StringType));
    f.add(field("policy", DataTypes.StringType));
    f.add(field("method", DataTypes.StringType));
    f.add(field("iteration", DataTypes.IntegerType));
    f.add(field("category", DataTypes.StringType));
    f.add(field("prompts", DataTypes.LongType));
    f.add(field("samples", DataTypes.LongType));
    f.add(field("errors", DataTypes.LongType));
    addDelta(f, "reward");
    f.add(field("win_rate_reward", DataTypes.DoubleType));
    for (Constraint c : constraints) {
      addDelta(f, c.column());
      f.add(field("threshold_" + c.name(), DataTypes.DoubleType));
      f.add(field("constraint_met_" + c.name(), DataTypes.BooleanType));
      f.add(field("win_rate_" + c.name(), DataTypes.DoubleType));
    }
    f.add(field("safety_rate", DataTypes.DoubleType));
    f.add(field("judge_safety_rate", DataTypes.DoubleType));
    f.add(field("judge_refusal_rate", DataTypes.DoubleType));
    addDelta(f, "gold_reward");
    addDelta(f, "gold_cost");
    f.add(field("gold_safety_rate", DataTypes.DoubleType));
    return DataTypes.createStructType(f);
  }

  /** {@code <score>_mean}, {@code delta_<score>} and its 95% bootstrap interval. */
  private static void addDelta(List<StructField> f, String score) {
    f.add(field(score + "_mean", DataTypes.DoubleType));
    f.add(field("delta_" + score, DataTypes.DoubleType));
    f.add(field("delta_" + score + "_lower95", DataTypes.DoubleType));
    f.add(field("delta_" + score + "_upper95", DataTypes.DoubleType));
  }

  private static StructField field(String name, DataType type) {
    return DataTypes.createStructField(name, type, true);
  }
}
