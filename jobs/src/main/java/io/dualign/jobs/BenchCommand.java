package io.dualign.jobs;

import io.dualign.config.ConfigError;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code bench <what>}: benchmarks that print their figures and end with one line
 * {@code RESULT key=value ...}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: data, model, rollout, dual. Prints figures and a final RESULT line.")
final class BenchCommand implements Callable<Integer> {
  private static final Map<String, String> BUILT_BY = Map.of(
      "data", "issue #3 (B: data)",
      "model", "issue #4 (C: models)",
      "rollout", "issue #5 (D: distributed rollout and scoring)");

  @Parameters(index = "0", paramLabel = "WHAT",
      description = "One of: data, model, rollout, dual.")
  String what;

  @Mixin CommonOptions options;
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    io.dualign.config.DualignConfig config = options.loadConfig();
    if (what.equals("dual")) {
      try (StageContext ctx = new StageContext(config, options.runDir, "dualign bench dual")) {
        return DualBench.run(config, ctx.spark(), spec.commandLine().getOut());
      }
    }
    String issue = BUILT_BY.get(what);
    if (issue == null) {
      throw new ConfigError("bench " + what
          + " is not allowed: expected one of data, model, rollout, dual");
    }
    throw new ConfigError("bench " + what + " is not built yet (" + issue + ")");
  }
}
