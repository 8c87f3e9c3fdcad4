package io.dualign.jobs;

import io.dualign.run.OutputState;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.spark.ExecutorModels;
import io.dualign.vocabulary.Stage;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code StageRunner} runs a stage with the run directory's contract: a committed stage is skipped
 * (resume) unless its job finds it stale ({@link StageJob#staleness}: then it is redone), a
 * partial one is replaced, and the output commits by rename plus its marker.
 */
public final class StageRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

  private StageRunner() {}

  /** What happened to a stage. */
  public record Outcome(Stage stage, boolean skipped, Map<String, Object> marker) {}

  public static Outcome run(StageContext ctx, Stage stage, StageJob job) throws Exception {
    ctx.spark(); // the run directory uses Spark's Hadoop configuration (HDFS/S3 settings)
    // Every task of this stage's jobs bounds its executor's model cache by this.
    ctx.spark().sparkContext().setLocalProperty(ExecutorModels.CACHE_BYTES_PROPERTY,
        Long.toString(MemoryCheck.modelCacheBytes(ctx.config(),
            ctx.spark().sparkContext().getConf())));
    RunDirectory dir = ctx.runDir();
    ctx.startTracking();
    String name = stage.cliName();
    OutputState state = dir.state(name);
    if (state == OutputState.COMMITTED) {
      Map<String, Object> committed = dir.marker(name).orElseThrow();
      java.util.Optional<String> stale = job.staleness(ctx, committed);
      if (stale.isEmpty()) {
        LOG.info("{}: already committed in {}; skipping", name, dir.path(name));
        return new Outcome(stage, true, committed);
      }
      LOG.info("{}: committed output is out of date ({}); redoing it", name, stale.get());
      if (job instanceof CompositeStageJob composite) {
        composite.reopen(ctx, name);
      } else {
        dir.discard(name);
      }
      state = dir.state(name);
    }
    MemoryCheck.require(ctx, stage);
    if (job instanceof CompositeStageJob composite) {
      LOG.info("{}: starting (parts committed one by one; committed parts are kept)", name);
      long t0 = System.nanoTime();
      Map<String, Object> summary = new java.util.LinkedHashMap<>(composite.runParts(ctx));
      summary.put("seconds", (System.nanoTime() - t0) / 1e9);
      Map<String, Object> marker = dir.commitComposite(name, summary);
      LOG.info("{}: committed -> {}", name, dir.path(name));
      return new Outcome(stage, false, marker);
    }
    if (state == OutputState.PARTIAL) {
      LOG.warn("{}: replacing the partial output of an earlier attempt", name);
    }
    LOG.info("{}: starting", name);
    PendingOutput out = dir.begin(name);
    Map<String, Object> summary;
    try {
      summary = job.run(ctx, out);
    } catch (io.dualign.config.ConfigError refused) {
      // Refused before writing (e.g. an input stage not committed): leave no partial output.
      out.abort();
      throw refused;
    }
    Map<String, Object> marker = out.commit(summary);
    LOG.info("{}: committed in {} s -> {}", name, marker.get("seconds"), dir.path(name));
    return new Outcome(stage, false, marker);
  }
}
