package io.dualign.jobs;

import io.dualign.run.PendingOutput;
import java.util.Map;

/**
 * A {@code StageJob} is the work of one stage: it writes its outputs under the pending output's
 * temporary path and returns the summary that becomes the stage's {@code _SUCCESS.json}.
 * Committing, skipping committed stages and timing are {@link StageRunner}'s.
 */
@FunctionalInterface
public interface StageJob {
  Map<String, Object> run(StageContext ctx, PendingOutput out) throws Exception;

  /**
   * Why this stage's committed output (its marker given) no longer matches the run: a key that
   * may change on resume ({@link io.dualign.config.DualignConfig#CHANGEABLE_ON_RESUME}) or an
   * output it drew from has changed since. Empty (the default) when it still matches and is
   * skipped; otherwise {@link StageRunner} redoes it, discarding a plain stage's output first.
   */
  default java.util.Optional<String> staleness(StageContext ctx, Map<String, Object> marker) {
    return java.util.Optional.empty();
  }
}
