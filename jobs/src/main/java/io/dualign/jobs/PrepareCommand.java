package io.dualign.jobs;

import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.vocabulary.Stage;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prepare [--input PATH|synthetic]}: the prepare stage with its input option, which sets
 * {@code data.input} (so {@code pipeline} and {@code demo} read the same key from config).
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = "Parse, validate and split the preference data; quarantine bad rows.")
final class PrepareCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--input", paramLabel = "PATH|synthetic",
      description = "'synthetic' (the embedded generator) or a file, directory, glob or Hadoop URI "
          + "of PKU-SafeRLHF / HH-RLHF / prompt-set files (.jsonl, .jsonl.gz, .parquet); "
          + "comma-separated for several. Sets data.input (default: synthetic).")
  String input;

  @Override
  public Integer call() throws Exception {
    if (input != null) {
      if (input.isBlank()) {
        throw new ConfigError("--input must not be empty: give a path or 'synthetic'");
      }
      options.sets.add("data.input=" + input);
    }
    DualignConfig config = options.loadConfig();
    Stage stage = Stage.PREPARE;
    StageJob job = StageJobs.job(stage);
    try (StageContext ctx = new StageContext(config, options.runDir, "dualign prepare")) {
      StageRunner.Outcome o = StageRunner.run(ctx, stage, job);
      spec.commandLine().getOut().println(stage.cliName() + ": "
          + (o.skipped() ? "already committed" : "committed") + " in "
          + ctx.runDir().path(stage.cliName()));
    }
    return Dualign.OK;
  }
}
