package io.dualign.jobs;

import io.dualign.config.ConfigError;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Parameters;

/**
 * {@code bench <what>}: benchmarks that print their figures and end with one line
 * {@code RESULT key=value ...}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: data, model, rollout. Prints figures and a final RESULT line.")
final class BenchCommand implements Callable<Integer> {
  private static final Map<String, String> BUILT_BY = Map.of(
      "data", "issue #3 (B: data)",
      "model", "issue #4 (C: models)",
      "rollout", "issue #5 (D: distributed rollout and scoring)");

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "WHAT", description = "One of: data, model, rollout.")
  String what;

  @Mixin CommonOptions options;

  @Option(names = "--rows", paramLabel = "N", description = "Benchmark size in rows "
      + "(data: synthetic jsonl rows; default 1000000).")
  Long rows;

  @Override
  public Integer call() throws Exception {
    io.dualign.config.DualignConfig config = options.loadConfig();
    if ("data".equals(what)) {
      long n = rows == null ? 1_000_000L : rows;
      if (n < 1) {
        throw new ConfigError("--rows must be >= 1, was " + n);
      }
      return DataBench.run(config, n, spec.commandLine().getOut());
    }
    String issue = BUILT_BY.get(what);
    if (issue == null) {
      throw new ConfigError("bench " + what + " is not allowed: expected one of data, model, rollout");
    }
    throw new ConfigError("bench " + what + " is not built yet (" + issue + ")");
  }
}
