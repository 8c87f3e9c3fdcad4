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
}
