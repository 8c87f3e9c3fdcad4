package io.dualign.jobs;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.align.AlignMethods;
import io.dualign.algo.align.AlignRun;
import io.dualign.config.DualignConfig;
import io.dualign.run.marker.AlignMethodMarker;
import io.dualign.vocabulary.Stage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code align [--method caid|oneshot|dpo-helpful|dpo-safe|safe-rlhf]}: one method, or without
 * {@code --method} every method of {@code align.methods} (what {@code pipeline} runs). The option
 * does not change the configuration, so several methods can run one after the other on one run
 * directory; the stage's marker is written once every configured method is committed.
 */
@Command(name = "align", mixinStandardHelpOptions = true,
    description = "Align the policy: CAID, one-shot, DPO-helpful, DPO-safe or Safe RLHF "
        + "(resumable per iteration).")
final class AlignCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--method", paramLabel = "caid|oneshot|dpo-helpful|dpo-safe|safe-rlhf",
      description = "The method to run (default: every method of align.methods).")
  String method;

  @Override
  public Integer call() throws Exception {
    DualignConfig config = options.loadConfig();
    AlignMethod m = method == null ? null : AlignMethods.of(method);
    AlignJob job = (AlignJob) StageJobs.job(Stage.ALIGN);
    try (StageContext ctx = new StageContext(config, options.runDir, "dualign align")) {
      if (m == null) {
        StageRunner.Outcome o = StageRunner.run(ctx, Stage.ALIGN, job);
        spec.commandLine().getOut().println("align: " + (o.skipped() ? "already committed"
            : "committed") + " in " + ctx.runDir().path(Stage.ALIGN.cliName()));
        return Dualign.OK;
      }
      ctx.spark();
      ctx.startTracking();
      AlignMethodMarker marker = job.runMethod(ctx, m);
      boolean stage = AlignJob.commitStageIfComplete(ctx);
      spec.commandLine().getOut().println("align " + m.cliName() + ": committed in "
          + ctx.runDir().path(AlignRun.methodOutput(m)) + " (final λ " + marker.finalLambda()
          + ")" + (stage ? "; align stage complete" : ""));
    }
    return Dualign.OK;
  }
}
