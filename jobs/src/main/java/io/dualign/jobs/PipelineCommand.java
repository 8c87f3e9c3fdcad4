package io.dualign.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pipeline}: every stage not yet committed, in order; resumable. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "Run every stage not yet committed, in order (resumable).")
final class PipelineCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    try (StageContext ctx = new StageContext(options.loadConfig(), options.runDir, "dualign pipeline")) {
      return PipelineRun.run(ctx, spec.commandLine().getOut());
    }
  }
}
