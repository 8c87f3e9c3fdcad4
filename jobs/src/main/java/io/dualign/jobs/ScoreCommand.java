package io.dualign.jobs;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.model.ScoreModel;
import io.dualign.model.TokenBatch;
import io.dualign.vocabulary.Stage;
import java.io.File;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code dualign score}: the score stage of a run or, with {@code --model URI --input
 * FILE.jsonl}, the end scores of (prompt, response) lines under one score model, printed as JSON
 * lines in this JVM without a cluster.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Score the prepared pairs with the reward model and every utility (the stage); "
        + "with --model and --input, score (prompt, response) jsonl lines with one score model "
        + "locally and print JSON lines.")
final class ScoreCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "URI",
      description = "A score model (Hugging Face folder, built-in checkpoint or TorchScript "
          + "bundle) to score --input with, instead of running the stage.")
  String model;

  @Option(names = "--input", paramLabel = "FILE.jsonl",
      description = "Lines with 'prompt' and 'response' (with --model).")
  File input;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "16",
      description = "Rows scored together (with --model). Default: ${DEFAULT-VALUE}")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    if (model == null && input == null) {
      return new StageCommand(Stage.SCORE).runWith(options, spec);
    }
    if (model == null || input == null) {
      throw new ConfigError("--model and --input go together (or give neither to run the "
          + "score stage)");
    }
    if (batchSize < 1) {
      throw new ConfigError("--batch-size must be >= 1, was " + batchSize);
    }
    DualignConfig config = options.loadConfig();
    List<JsonNode> rows = LocalModel.readJsonl(input.toPath(), "prompt", "response");
    PrintWriter out = spec.commandLine().getOut();
    try (LocalModel lm = LocalModel.open(model, config)) {
      ScoreModel sm = lm.scoreModel();
      for (int from = 0; from < rows.size(); from += batchSize) {
        int to = Math.min(rows.size(), from + batchSize);
        List<long[]> ps = new ArrayList<>();
        List<long[]> rs = new ArrayList<>();
        for (JsonNode n : rows.subList(from, to)) {
          ps.add(lm.encoder.prompt(n.get("prompt").asText()).ids());
          rs.add(lm.encoder.response(n.get("response").asText()).ids());
        }
        TokenBatch b = TokenBatch.of(ps, rs, lm.model.tokenizer().padId(),
            TokenBatch.Padding.RIGHT);
        float[] scores;
        try (NDManager m = sm.manager().newSubManager()) {
          scores = sm.endScores(b.idsArray(m), b.maskArray(m), false).toFloatArray();
        }
        for (int j = 0; j < scores.length; j++) {
          JsonNode n = rows.get(from + j);
          ObjectNode line = LocalModel.JSON.createObjectNode();
          line.put("prompt", n.get("prompt").asText());
          line.put("response", n.get("response").asText());
          line.put("score", scores[j]);
          out.println(LocalModel.JSON.writeValueAsString(line));
        }
        out.flush();
      }
    }
    return Dualign.OK;
  }
}
