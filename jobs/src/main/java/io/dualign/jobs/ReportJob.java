package io.dualign.jobs;

import io.dualign.report.RunReport;
import io.dualign.run.PendingOutput;
import io.dualign.run.SweepLayout;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.ReportMarker;
import io.dualign.run.marker.SweepSummaryMarker;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ReportJob} is the {@code report} stage: it writes {@code report/index.html} and its PNG
 * charts from whatever the run holds (see {@link RunReport}); sections whose inputs are absent
 * are left out with a note.
 */
final class ReportJob implements StageJob {
  @Override
  public Map<String, Object> run(StageContext ctx, PendingOutput out) throws Exception {
    RunReport report = new RunReport(ctx.spark(), ctx.runDir(),
        ctx.config().dual().constraints(), ctx.config().report().samplePrompts());
    List<Double> sweep = sweepThresholds(ctx);
    RunReport.Drawn drawn = report.write(out.path());
    return Markers.toMap(new ReportMarker(ctx.runId(), drawn.page(), drawn.charts(),
        drawn.omitted(), drawn.chartPoints(), sweep, null, null, null, null, null, null));
  }

  /**
   * Stale when the run's committed threshold sweep ({@code sweep/summary}) covers other b's
   * than the report drew (a sweep added to or changed on the run since).
   */
  @Override
  public Optional<String> staleness(StageContext ctx, Map<String, Object> marker) {
    List<Double> drawn = Markers.fromMap(marker, ReportMarker.class, "report").sweepThresholds();
    List<Double> now = sweepThresholds(ctx);
    return java.util.Objects.equals(drawn, now) ? Optional.empty()
        : Optional.of("it drew the threshold sweep of b = " + drawn + ", the run's sweep/summary"
            + " now has b = " + now);
  }

  /** The b's of the committed sweep/summary, or null when the run has none. */
  private static List<Double> sweepThresholds(StageContext ctx) {
    return ctx.runDir().marker(SweepLayout.SUMMARY, SweepSummaryMarker.class)
        .map(SweepSummaryMarker::thresholds).orElse(null);
  }
}
