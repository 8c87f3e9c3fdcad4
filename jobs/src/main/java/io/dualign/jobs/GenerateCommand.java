package io.dualign.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.config.RolloutSettings;
import io.dualign.model.Generation;
import io.dualign.model.Generator;
import io.dualign.model.SamplingParams;
import io.dualign.model.SequenceLogProbs;
import io.dualign.model.TokenBatch;
import io.dualign.spark.Seeds;
import java.io.File;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dualign generate}: responses of one model to a prompt or a jsonl file of prompts, as
 * JSON lines (prompt, sample, response, tokens, finish reason, the response's log-probability
 * under the model), in this JVM without a cluster. The check that a model loads and talks.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generate responses with one model (any format) locally and print JSON lines: "
        + "prompt, sample, response, tokens, finish_reason, sum_logprob.")
final class GenerateCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "URI",
      description = "A Hugging Face folder, built-in checkpoint or TorchScript bundle (a local "
          + "path or Hadoop URI).")
  String model;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "One prompt.")
  String prompt;

  @Option(names = "--prompts", paramLabel = "FILE.jsonl",
      description = "Prompts, one JSON object with a 'prompt' field per line.")
  File prompts;

  @Option(names = "--greedy", description = "Greedy decoding instead of the rollout section's "
      + "temperature, top-p and top-k.")
  boolean greedy;

  @Option(names = "--max-new-tokens", paramLabel = "N",
      description = "Longest response in tokens (default: rollout.maxNewTokens).")
  Integer maxNewTokens;

  @Option(names = "--samples", paramLabel = "K", defaultValue = "1",
      description = "Responses per prompt. Default: ${DEFAULT-VALUE}")
  int samples;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
      description = "Sampling seed; each (prompt, sample) row derives its own. "
          + "Default: ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16",
      description = "Rows generated together. Default: ${DEFAULT-VALUE}")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    if ((prompt == null) == (prompts == null)) {
      throw new ConfigError("give exactly one of --prompt TEXT and --prompts FILE.jsonl");
    }
    if (samples < 1 || batchSize < 1 || (maxNewTokens != null && maxNewTokens < 1)) {
      throw new ConfigError("--samples, --batch-size and --max-new-tokens must be >= 1");
    }
    DualignConfig config = options.loadConfig();
    RolloutSettings r = config.rollout();
    List<String> texts = new ArrayList<>();
    if (prompt != null) {
      texts.add(prompt);
    } else {
      for (JsonNode n : LocalModel.readJsonl(prompts.toPath(), "prompt")) {
        texts.add(n.get("prompt").asText());
      }
    }
    int maxNew = maxNewTokens != null ? maxNewTokens : r.maxNewTokens();
    SamplingParams params = greedy ? SamplingParams.greedy(maxNew)
        : new SamplingParams(r.temperature(), r.topP(), r.topK(), maxNew, List.of());
    PrintWriter out = spec.commandLine().getOut();
    try (LocalModel lm = LocalModel.open(model, config)) {
      Generator gen = new Generator(lm.causalLm(), lm.model.tokenizer().stopIds(),
          lm.model.tokenizer().padId(), lm.model.tokenizer()::decode);
      List<long[]> rowPrompts = new ArrayList<>();
      List<Long> rowSeeds = new ArrayList<>();
      List<int[]> rowIndex = new ArrayList<>();
      for (int i = 0; i < texts.size(); i++) {
        long[] ids = lm.encoder.prompt(texts.get(i)).ids();
        for (int k = 0; k < samples; k++) {
          rowPrompts.add(ids);
          rowSeeds.add(Seeds.mix(seed, 0, "generate/" + i, k));
          rowIndex.add(new int[] {i, k});
        }
      }
      for (int from = 0; from < rowPrompts.size(); from += batchSize) {
        int to = Math.min(rowPrompts.size(), from + batchSize);
        List<long[]> ps = rowPrompts.subList(from, to);
        long[] seeds = rowSeeds.subList(from, to).stream().mapToLong(Long::longValue).toArray();
        List<Generation> gs = gen.generate(ps, seeds, params, lm.causalLm().supportsKvCache());
        double[] logProbs = logProbs(lm, ps, gs);
        for (int j = 0; j < gs.size(); j++) {
          int[] at = rowIndex.get(from + j);
          ObjectNode line = LocalModel.JSON.createObjectNode();
          line.put("prompt", texts.get(at[0]));
          line.put("sample", at[1]);
          line.put("response", gs.get(j).text());
          line.put("tokens", gs.get(j).tokens().length);
          line.put("finish_reason", gs.get(j).reason().name().toLowerCase(Locale.ROOT));
          line.put("sum_logprob", logProbs[j]);
          out.println(LocalModel.JSON.writeValueAsString(line));
        }
        out.flush();
      }
    }
    return Dualign.OK;
  }

  /** Each response's log-probability under the model (temperature 1, no cut); 0 when empty. */
  private static double[] logProbs(LocalModel lm, List<long[]> prompts, List<Generation> gs) {
    double[] out = new double[gs.size()];
    List<long[]> ps = new ArrayList<>();
    List<long[]> rs = new ArrayList<>();
    List<Integer> rows = new ArrayList<>();
    for (int j = 0; j < gs.size(); j++) {
      if (gs.get(j).tokens().length > 0) {
        ps.add(prompts.get(j));
        rs.add(gs.get(j).tokens());
        rows.add(j);
      }
    }
    if (!rows.isEmpty()) {
      double[] lp = SequenceLogProbs.sequenceValues(lm.causalLm(),
          TokenBatch.of(ps, rs, lm.model.tokenizer().padId(), TokenBatch.Padding.RIGHT));
      for (int i = 0; i < rows.size(); i++) {
        out[rows.get(i)] = lp[i];
      }
    }
    return out;
  }
}
