package io.dualign.jobs;

import io.dualign.config.ConfigError;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bench <what>}: benchmarks that print their figures and end with one line
 * {@code RESULT key=value ...}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: data, model, rollout, dual. Prints figures and a final RESULT line.")
final class BenchCommand implements Callable<Integer> {
  private static final Map<String, String> BUILT_BY = Map.of(
      "model", "issue #4 (C: models)",
      "rollout", "issue #5 (D: distributed rollout and scoring)");

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "WHAT",
      description = "One of: data, model, rollout, dual.")
  String what;

  @Mixin CommonOptions options;

  @Option(names = "--rows", paramLabel = "N", description = "Benchmark size in rows "
      + "(data: synthetic jsonl rows; default 1000000).")
  Long rows;

  @Override
  public Integer call() throws Exception {
    io.dualign.config.DualignConfig config = options.loadConfig();
    switch (what) {
      case "data" -> {
        long n = rows == null ? 1_000_000L : rows;
        if (n < 1) {
          throw new ConfigError("--rows must be >= 1, was " + n);
        }
        return DataBench.run(config, n, spec.commandLine().getOut());
      }
      case "dual" -> {
        try (StageContext ctx = new StageContext(config, options.runDir, "dualign bench dual")) {
          return DualBench.run(config, ctx.spark(), spec.commandLine().getOut());
        }
      }
      default -> {
        String issue = BUILT_BY.get(what);
        if (issue == null) {
          throw new ConfigError("bench " + what
              + " is not allowed: expected one of data, model, rollout, dual");
        }
        throw new ConfigError("bench " + what + " is not built yet (" + issue + ")");
      }
    }
  }
}
