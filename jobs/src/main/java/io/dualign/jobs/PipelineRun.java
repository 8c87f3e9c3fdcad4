package io.dualign.jobs;

import io.dualign.run.marker.AlignMethodMarker;
import io.dualign.run.marker.EvaluateMarker;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.SolveDualMarker;
import io.dualign.run.marker.SweepMarker;
import io.dualign.vocabulary.Stage;
import java.io.PrintWriter;

/**
 * {@code PipelineRun} runs every stage not yet committed, in pipeline order (resumable: committed
 * stages are skipped). The {@code sweep} stage runs only when {@code dual.sweep} lists
 * thresholds.
 */
final class PipelineRun {
  private PipelineRun() {}

  /** Prints where the report is and the run's five-line summary ({@link RunSummary}). */
  static void printSummary(StageContext ctx, PrintWriter out) {
    io.dualign.run.RunDirectory dir = ctx.runDir();
    out.println("report: " + new org.apache.hadoop.fs.Path(dir.path(Stage.REPORT.cliName()),
        "index.html"));
    io.dualign.dual.Constraint c = ctx.config().dual().constraints().get(0);
    for (String line : RunSummary.lines(c.name(), c.threshold(),
        c.form() == io.dualign.dual.ConstraintForm.RELATIVE,
        dir.marker(Stage.EVALUATE.cliName(), EvaluateMarker.class).orElse(null),
        dir.marker(Stage.SOLVE_DUAL.cliName(), SolveDualMarker.class).orElse(null),
        dir.marker("align/caid", AlignMethodMarker.class).orElse(null))) {
      out.println("  " + line);
    }
    dir.marker(Stage.SWEEP.cliName(), SweepMarker.class).ifPresent(m -> {
      out.println("threshold sweep: " + dir.path(io.dualign.run.SweepLayout.SUMMARY));
      SweepJob.lines(m).forEach(l -> out.println("  " + l));
    });
  }

  /** Runs the pipeline; returns the exit code. */
  static int run(StageContext ctx, PrintWriter out) throws Exception {
    for (Stage stage : Stage.PIPELINE_ORDER) {
      if (stage == Stage.SWEEP && ctx.config().dual().sweep().isEmpty()) {
        out.println(String.format("%-13s not configured (dual.sweep is empty)", stage.cliName()));
        continue;
      }
      StageRunner.Outcome o = StageRunner.run(ctx, stage, StageJobs.job(stage));
      out.println(String.format("%-13s %s (%s s)", stage.cliName(),
          o.skipped() ? "already committed" : "committed", Markers.fromMap(o.marker(),
              Markers.typeOf(stage.cliName()), stage.cliName()).seconds()));
      if (stage == Stage.PREPARE) {
        PipelineEstimate.printFor(ctx, out);
      }
    }
    out.println("pipeline complete: " + ctx.runDir().root());
    printSummary(ctx, out);
    return Dualign.OK;
  }
}
