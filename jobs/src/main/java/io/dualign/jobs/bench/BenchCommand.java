package io.dualign.jobs.bench;

import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.jobs.CommonOptions;
import io.dualign.jobs.Dualign;
import io.dualign.jobs.StageContext;
import java.io.PrintWriter;
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
    description = "Benchmarks: data, model, rollout, dual, hf. Prints figures and a final RESULT "
        + "line.")
public final class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "WHAT",
      description = "One of: data, model, rollout, dual, hf.")
  String what;

  @Mixin CommonOptions options;

  @Option(names = "--rows", paramLabel = "N", description = "bench data: synthetic jsonl rows; "
      + "bench rollout: rows scored for the driver-heap figure (and a tenth of it). "
      + "Default: 1000000")
  Long rows;

  @Option(names = "--new-tokens",
      description = "bench model: tokens generated per row (default 256); bench hf: new tokens "
          + "per row (default 128).")
  Integer newTokens;

  @Option(names = "--model", paramLabel = "DIR",
      description = "bench hf: a Hugging Face causal LM folder (default: SmolLM2-135M-Instruct "
          + "from fetch-model, else the largest test fixture).")
  java.nio.file.Path model;

  @Option(names = "--python", paramLabel = "PATH",
      description = "bench hf: the Python with torch and transformers that runs the peer "
          + "(default: ~/.venvs/ref/bin/python; absent: dualign's figures only).")
  String python;

  @Option(names = "--no-cache-tokens", defaultValue = "128",
      description = "bench hf: new tokens of the run timed with and without the KV cache. "
          + "Default: ${DEFAULT-VALUE}")
  int noCacheTokens;

  @Option(names = "--no-cache-batch", defaultValue = "1",
      description = "bench hf: batch size of the run timed with and without the KV cache. "
          + "Default: ${DEFAULT-VALUE}")
  int noCacheBatch;

  @Option(names = "--dpo-steps", defaultValue = "3",
      description = "bench hf: timed DPO steps with LoRA r = 8 and with full fine-tuning (0: "
          + "none). Default: ${DEFAULT-VALUE}")
  int dpoSteps;

  @Option(names = "--batches", split = ",", defaultValue = "1,16,64",
      description = "bench model: generation batch sizes. Default: ${DEFAULT-VALUE}")
  int[] batches;

  @Option(names = "--recompute-batches", split = ",",
      description = "bench model: the batch sizes also timed without the KV cache (recomputing "
          + "the whole sequence each step; slow at large batches). Default: all of --batches")
  int[] recomputeBatches;

  @Option(names = "--train-steps", defaultValue = "5",
      description = "bench model: timed training steps. Default: ${DEFAULT-VALUE}")
  int trainSteps;

  @Option(names = "--prompts", defaultValue = "8",
      description = "bench rollout: prompts (x rollout.samples) generated per round. "
          + "Default: ${DEFAULT-VALUE}")
  int prompts;

  @Option(names = "--rounds", defaultValue = "2",
      description = "bench rollout: alternating rounds per side; bench model: rounds of each "
          + "cached generation and of the training steps (best kept); bench hf: rounds of "
          + "each figure on both sides (best kept). "
          + "Default: ${DEFAULT-VALUE}")
  int rounds;

  @Override
  public Integer call() throws Exception {
    DualignConfig config = options.loadConfig();
    PrintWriter out = spec.commandLine().getOut();
    switch (what) {
      case "data" -> {
        long n = rows == null ? 1_000_000L : rows;
        if (n < 1) {
          throw new ConfigError("--rows must be >= 1, was " + n);
        }
        return DataBench.run(config, n, out);
      }
      case "model" -> {
        return modelBench(config, out);
      }
      case "rollout" -> {
        long n = rows == null ? 1_000_000L : rows;
        if (n < 20 || prompts < 1 || rounds < 1) {
          throw new ConfigError("bench rollout needs --rows >= 20, --prompts >= 1, --rounds >= 1; "
              + "got " + n + ", " + prompts + ", " + rounds);
        }
        try (StageContext ctx = new StageContext(config, options.runDir(),
            "dualign bench rollout")) {
          return RolloutBench.run(config, ctx.spark(), out, prompts, rounds, n);
        }
      }
      case "hf" -> {
        int threads = config.runtime().djlThreadsPerTask();
        if (rounds < 1 || noCacheBatch < 1 || noCacheTokens < 1) {
          throw new ConfigError("bench hf needs --rounds, --no-cache-batch and --no-cache-tokens "
              + ">= 1; got " + rounds + ", " + noCacheBatch + ", " + noCacheTokens);
        }
        return HfBench.run(new HfBench.Settings(model != null ? model : HfBench.defaultModel(),
            threads, newTokens != null ? newTokens : 128, batches, noCacheTokens, noCacheBatch,
            rounds, python != null ? python
                : System.getProperty("user.home") + "/.venvs/ref/bin/python", dpoSteps), out);
      }
      case "dual" -> {
        try (StageContext ctx = new StageContext(config, options.runDir(), "dualign bench dual")) {
          return DualBench.run(config, ctx.spark(), out);
        }
      }
      default -> throw new ConfigError("bench " + what
          + " is not allowed: expected one of data, model, rollout, dual, hf");
    }
  }

  private int modelBench(DualignConfig config, PrintWriter out) {
    out.println("PyTorch intra-op threads: " + io.dualign.model.EngineThreads.apply(
        config.runtime().djlThreadsPerTask()) + " (runtime.djlThreadsPerTask)");
    if (rounds < 1 || trainSteps < 1) {
      throw new ConfigError("bench model needs --rounds >= 1 and --train-steps >= 1; got "
          + rounds + ", " + trainSteps);
    }
    Map<String, Object> r = new ModelBench(config.model(), config.train(), out)
        .run(newTokens != null ? newTokens : 256, batches, recomputeBatches == null ? batches : recomputeBatches,
            trainSteps, rounds);
    StringBuilder sb = new StringBuilder("RESULT");
    for (Map.Entry<String, Object> e : r.entrySet()) {
      Object v = e.getValue();
      sb.append(' ').append(e.getKey()).append('=').append(v instanceof Double d
          ? String.format(java.util.Locale.ROOT, "%.3f", d) : v);
    }
    sb.append(" new_tokens=").append(newTokens != null ? newTokens : 256).append(" profile=").append(config.profile());
    out.println(sb);
    out.flush();
    return Dualign.OK;
  }
}
