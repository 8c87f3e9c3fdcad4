package io.dualign.jobs;

import io.dualign.algo.oneshot.SolveDual;
import io.dualign.config.ConfigError;
import io.dualign.dual.SamplesRejectedException;
import io.dualign.run.OutputState;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.Markers;
import io.dualign.vocabulary.Stage;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * {@code SolveDualJob} is the {@code solve-dual} stage: the one-shot (MoCAN) dual on the reference
 * samples of {@code sample-ref}, giving λ* (CAID's warm start and the one-shot baseline's
 * multipliers). The per-prompt terms are computed on the executors; the driver runs the λ
 * iteration.
 */
final class SolveDualJob implements StageJob {
  /** The samples table inside the committed {@code sample-ref} output. */
  static final String SAMPLES = "samples";

  @Override
  public Map<String, Object> run(StageContext ctx, PendingOutput out) {
    RunDirectory dir = ctx.runDir();
    String input = Stage.SAMPLE_REF.cliName();
    OutputState state = dir.state(input);
    if (state != OutputState.COMMITTED) {
      throw new ConfigError("solve-dual needs the committed output of " + input + " in "
          + dir.root() + " (it is " + state.name().toLowerCase(java.util.Locale.ROOT)
          + "); run 'dualign " + input + "' first");
    }
    String samples = new Path(dir.path(input), SAMPLES).toString();
    try {
      return Markers.toMap(SolveDual.run(ctx.spark(), ctx.config().dual(), samples,
          out.path().toString(), ctx.runId()));
    } catch (SamplesRejectedException e) {
      throw new DataRejectedException(e.getMessage());
    }
  }
}
