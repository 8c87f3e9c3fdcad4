package io.dualign.jobs;

import io.dualign.algo.align.PolicyRollouts;
import io.dualign.config.ConfigError;

/**
 * {@code AlignRollouts} supplies CAID's rollouts: the distributed sampling and scoring of issue #5
 * ({@code io.dualign.spark.Rollouts}), configured by the {@code rollout} section.
 */
final class AlignRollouts {
  private AlignRollouts() {}

  static PolicyRollouts fromConfig(StageContext ctx) {
    throw new ConfigError("align --method caid needs the distributed rollouts of issue #5 "
        + "(io.dualign.spark.Rollouts), which this build does not contain yet");
  }
}
