package io.dualign.jobs;

import io.dualign.report.RunReport;
import io.dualign.run.PendingOutput;
import java.util.LinkedHashMap;
import java.util.Map;

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
    Map<String, Object> marker = new LinkedHashMap<>();
    marker.put("run_id", ctx.runId());
    marker.putAll(report.write(out.path()));
    return marker;
  }
}
