package io.dualign.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code demo}: the pipeline on the embedded default (synthetic data, default profile). */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the pipeline on the embedded default (synthetic data, default profile); "
        + "run directory runs/demo unless --run-dir is given.")
final class DemoCommand implements Callable<Integer> {
  static final String DEMO_RUN_DIR = "runs/demo";

  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String runDir = spec.commandLine().getParseResult().hasMatchedOption("--run-dir")
        ? options.runDir : DEMO_RUN_DIR;
    spec.commandLine().getOut().println("dualign demo: profile " + options.profile
        + ", run directory " + runDir);
    try (StageContext ctx = new StageContext(options.loadConfig(), runDir, "dualign demo")) {
      return PipelineRun.run(ctx, spec.commandLine().getOut());
    }
  }
}
