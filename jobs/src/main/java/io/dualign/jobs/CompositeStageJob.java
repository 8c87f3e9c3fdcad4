package io.dualign.jobs;

import io.dualign.run.PendingOutput;
import java.util.Map;

/**
 * A {@code CompositeStageJob} is a stage whose output is made of parts committed one by one below
 * the stage folder (align: {@code align/<method>/iteration-<t>}), so it cannot be written to one
 * temporary folder and renamed. {@link StageRunner} runs its parts and then writes only the
 * stage's marker.
 */
interface CompositeStageJob extends StageJob {
  /** Runs (or resumes) every part and returns the stage's summary. */
  Map<String, Object> runParts(StageContext ctx) throws Exception;

  /**
   * Makes a stale committed stage resumable (see {@link #staleness}): by default removes only
   * the stage's marker, so every committed part is kept; a stage drops the parts that are stale.
   */
  default void reopen(StageContext ctx, String stage) {
    ctx.runDir().uncommit(stage);
  }

  @Override
  default Map<String, Object> run(StageContext ctx, PendingOutput out) {
    throw new UnsupportedOperationException("a composite stage commits its parts itself");
  }
}
