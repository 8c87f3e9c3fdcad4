package io.dualign.spark;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.dualign.spark.dual.SampleTable;
import io.dualign.vocabulary.ScorerRole;
import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * {@code RolloutTable} is the pinned schema of scored rollouts ({@code sample-ref/samples}, CAID's
 * and evaluate's rollouts): the {@link SampleTable} columns, then {@code category}, {@code seed}
 * (the row's sampling seed), {@code prompt_tokens}, {@code prompt_truncated},
 * {@code finish_reason} (eos, length), {@code policy_version}, {@code reward_version},
 * {@code cost_version} (null when no utility uses the cost model), {@code gpu_address} (the
 * task's Spark GPU, null when none), {@code device} (where it computed), {@code executor_id},
 * and, with gold scores, {@code gold_reward} and {@code gold_cost}.
 */
public final class RolloutTable {
  public static final String CATEGORY = "category";
  public static final String SEED = "seed";
  public static final String PROMPT_TOKENS = "prompt_tokens";
  public static final String PROMPT_TRUNCATED = "prompt_truncated";
  public static final String FINISH_REASON = "finish_reason";
  public static final String POLICY_VERSION = "policy_version";
  public static final String GPU_ADDRESS = "gpu_address";
  public static final String DEVICE = "device";
  public static final String EXECUTOR_ID = "executor_id";
  public static final String GOLD_REWARD = "gold_reward";
  public static final String GOLD_COST = "gold_cost";

  private RolloutTable() {}

  /** The schema for utility columns {@code utilityColumns}, with or without gold scores. */
  public static StructType schema(List<String> utilityColumns, boolean gold) {
    StructType s = new StructType()
        .add(SampleTable.RUN_ID, StringType, true)
        .add(SampleTable.ITERATION, IntegerType, true)
        .add(SampleTable.PROMPT_ID, StringType, true)
        .add(SampleTable.SAMPLE_IDX, IntegerType, true)
        .add(SampleTable.PROMPT, StringType, true)
        .add(SampleTable.RESPONSE, StringType, true)
        .add(SampleTable.RESPONSE_TOKENS, IntegerType, true)
        .add(SampleTable.REWARD, DoubleType, true);
    for (String u : utilityColumns) {
      s = s.add(u, DoubleType, true);
    }
    s = s.add(SampleTable.ERROR, StringType, true)
        .add(CATEGORY, StringType, true)
        .add(SEED, LongType, true)
        .add(PROMPT_TOKENS, IntegerType, true)
        .add(PROMPT_TRUNCATED, BooleanType, true)
        .add(FINISH_REASON, StringType, true)
        .add(POLICY_VERSION, StringType, true)
        .add(ScorerRole.REWARD.versionColumn(), StringType, true)
        .add(ScorerRole.COST.versionColumn(), StringType, true)
        .add(GPU_ADDRESS, StringType, true)
        .add(DEVICE, StringType, true)
        .add(EXECUTOR_ID, StringType, true);
    if (gold) {
      s = s.add(GOLD_REWARD, DoubleType, true).add(GOLD_COST, DoubleType, true);
    }
    return s;
  }
}
