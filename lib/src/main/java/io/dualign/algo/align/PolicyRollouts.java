package io.dualign.algo.align;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code PolicyRollouts} is step 3 of a CAID iteration as the align stage needs it: sample K
 * responses per prompt from a policy checkpoint on the executors and score each with the reward
 * and every utility, returning rows of the {@link io.dualign.spark.dual.SampleTable} contract (extra
 * columns allowed), scored with the same scorers, template and truncation as
 * {@code sample-ref/samples} so relative constraints compare like with like.
 */
public interface PolicyRollouts {
  /**
   * The scored samples (lazy).
   *
   * @param prompts rows with {@code prompt_id} and {@code prompt}
   * @param policyDir the policy checkpoint folder
   * @param samplesPerPrompt K; the sampling parameters are the implementation's (rollout.*)
   */
  Dataset<Row> rollout(SparkSession spark, Dataset<Row> prompts, String policyDir, String runId,
      int iteration, int samplesPerPrompt);
}
