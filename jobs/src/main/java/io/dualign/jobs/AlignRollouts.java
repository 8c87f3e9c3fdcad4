package io.dualign.jobs;

import io.dualign.algo.align.PolicyRollouts;
import io.dualign.config.DualignConfig;
import io.dualign.config.RolloutSettings;
import io.dualign.spark.ModelDelivery;
import io.dualign.spark.ModelRef;
import io.dualign.spark.RolloutSpec;
import io.dualign.spark.Rollouts;
import io.dualign.spark.RunModels;
import io.dualign.spark.ScoringSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code AlignRollouts} are CAID's rollouts in a run: {@link Rollouts} from the policy
 * checkpoint of the iteration, K = {@code align.rolloutSamples} per prompt, sampled as the
 * {@code rollout} section says (temperature, top-p, top-k, response length, batches) and scored
 * with the run's reward and cost models exactly as {@code sample-ref} scores π_ref's samples.
 * Models reach the executors as {@code runtime.modelDelivery} says; closing it destroys the
 * broadcasts.
 */
final class AlignRollouts implements PolicyRollouts, AutoCloseable {
  private final DualignConfig config;
  private final ScoringSpec scoring;
  private final Configuration hadoop;
  private final ModelDelivery delivery;

  private AlignRollouts(DualignConfig config, ScoringSpec scoring, Configuration hadoop,
      ModelDelivery delivery) throws IOException {
    this.config = config;
    this.delivery = delivery;
    this.scoring = delivery.deliver(scoring);
    this.hadoop = hadoop;
  }

  /** Destroys the broadcasts of the models it delivered (once the stage's rollouts are written). */
  @Override
  public void close() {
    delivery.close();
  }

  /** The run's rollouts (needs committed train-reward and, for cost utilities, train-cost). */
  static PolicyRollouts fromConfig(StageContext ctx) {
    Configuration hadoop = ctx.spark().sparkContext().hadoopConfiguration();
    try {
      return new AlignRollouts(ctx.config(), RunModels.scoring(ctx.config(), ctx.runDir(), hadoop),
          hadoop, ModelDelivery.of(ctx.spark().sparkContext(), ctx.config()));
    } catch (IOException e) {
      throw new UncheckedIOException("align: cannot read the run's score models", e);
    }
  }

  @Override
  public Dataset<Row> rollout(SparkSession spark, Dataset<Row> prompts, String policyDir,
      String runId, int iteration, int samplesPerPrompt) {
    RolloutSettings r = config.rollout();
    ModelRef policy;
    try {
      policy = delivery.deliver(ModelRef.of(policyDir, hadoop));
    } catch (IOException e) {
      throw new UncheckedIOException("align: no policy checkpoint in " + policyDir, e);
    }
    RolloutSpec spec = new RolloutSpec(runId, iteration, policy, samplesPerPrompt,
        r.temperature(), r.topP(), r.topK(), r.maxNewTokens(), config.run().seed(),
        r.batchSize(), r.partitions(), scoring);
    return Rollouts.sample(spark, prompts, spec);
  }
}
