package io.dualign.spark.dual;

import io.dualign.dual.Constraint;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code SampleTable} is the contract of scored sample tables ({@code <run-dir>/sample-ref/samples}
 * and CAID's rollouts): one row per (prompt, sample) with {@code run_id} string, {@code iteration}
 * int, {@code prompt_id} string, {@code sample_idx} int, {@code prompt} string, {@code response}
 * string, {@code response_tokens} int, {@code reward} double, one {@code utility_<name>} double per
 * constraint (g, higher = safer) and {@code error} string (null when the row is fine).
 *
 * <p>An optional {@code sample_weight} double (≥ 0) weighs a row in the reference expectation:
 * absent means 1 (samples drawn from π_ref); an enumerated candidate set gives π_ref(y|x) so that
 * expectations are exact.
 */
public final class SampleTable {
  public static final String RUN_ID = "run_id";
  public static final String ITERATION = "iteration";
  public static final String PROMPT_ID = "prompt_id";
  public static final String SAMPLE_IDX = "sample_idx";
  public static final String PROMPT = "prompt";
  public static final String RESPONSE = "response";
  public static final String RESPONSE_TOKENS = "response_tokens";
  public static final String REWARD = "reward";
  public static final String ERROR = "error";
  public static final String WEIGHT = "sample_weight";

  private SampleTable() {}

  /** The pinned schema for these constraints (without the optional weight). */
  public static StructType schema(List<Constraint> constraints) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField(RUN_ID, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(ITERATION, DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(PROMPT_ID, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(SAMPLE_IDX, DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(PROMPT, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(RESPONSE, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(RESPONSE_TOKENS, DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(REWARD, DataTypes.DoubleType, true));
    for (Constraint c : constraints) {
      f.add(DataTypes.createStructField(c.column(), DataTypes.DoubleType, true));
    }
    f.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
    return DataTypes.createStructType(f);
  }

  /** The pinned schema with the {@code sample_weight} column. */
  public static StructType weightedSchema(List<Constraint> constraints) {
    return schema(constraints).add(DataTypes.createStructField(WEIGHT, DataTypes.DoubleType, true));
  }
}
