package io.dualign.jobs;

import io.dualign.config.DualignConfig;
import io.dualign.vocabulary.Stage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A {@code StageCommand} runs one pipeline stage with the common options. */
@Command(mixinStandardHelpOptions = true)
final class StageCommand implements Callable<Integer> {
  private final Stage stage;

  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  StageCommand(Stage stage) {
    this.stage = stage;
  }

  @Override
  public Integer call() throws Exception {
    return runWith(options, spec);
  }

  /** Runs the stage with these options, printing to {@code spec}'s output. */
  Integer runWith(CommonOptions options, CommandSpec spec) throws Exception {
    DualignConfig config = options.loadConfig();
    StageJob job = StageJobs.job(stage);
    try (StageContext ctx = new StageContext(config, options.runDir, "dualign " + stage.cliName())) {
      StageRunner.Outcome o = StageRunner.run(ctx, stage, job);
      spec.commandLine().getOut().println(stage.cliName() + ": "
          + (o.skipped() ? "already committed" : "committed") + " in " + ctx.runDir().path(stage.cliName()));
    }
    return Dualign.OK;
  }
}
