package io.dualign.jobs;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.model.LoadedModel;
import io.dualign.model.hf.HfModelException;
import io.dualign.spark.ExecutorModels;
import io.dualign.spark.ModelRef;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * A {@code LocalModel} is a model of any format loaded in this JVM, without Spark, for the
 * one-minute checks {@code dualign generate} and {@code dualign score}: on GPU 0 when DJL sees
 * one, else the CPU, with the configuration's {@code model.dtype}, chat template and token
 * limits.
 */
final class LocalModel implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  final LoadedModel model;
  final PromptEncoder encoder;
  final Device device;

  private LocalModel(LoadedModel model, PromptEncoder encoder, Device device) {
    this.model = model;
    this.encoder = encoder;
    this.device = device;
  }

  /**
   * Loads {@code uri} (a Hugging Face folder, built-in checkpoint or TorchScript bundle).
   *
   * @throws ConfigError naming the URI when it holds no loadable model
   */
  static LocalModel open(String uri, DualignConfig config) throws IOException {
    ModelRef ref;
    try {
      ref = ModelRef.of(uri, new Configuration()).withDtype(config.model().dtype());
    } catch (HfModelException e) {
      throw new ConfigError("--model " + uri + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ConfigError("--model " + uri + ": " + e.getMessage(), e);
    }
    Device device = Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
    ExecutorModels.applyThreads(config.runtime().djlThreadsPerTask());
    LoadedModel m = ExecutorModels.load(ref, device);
    try {
      PromptEncoder enc = new PromptEncoder(m.tokenizer(), ChatTemplate.resolve(
          config.model().chatTemplate(), m.chatTemplate()), config.model().maxPromptTokens(),
          config.model().maxResponseTokens());
      return new LocalModel(m, enc, device);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /** The model as a causal LM; a score model is a usage error naming {@code --model}. */
  io.dualign.model.CausalLm causalLm() {
    try {
      return model.causalLm();
    } catch (IllegalStateException e) {
      throw new ConfigError("--model: " + e.getMessage() + " (generate needs a causal LM; "
          + "score --model --input scores with a score model)");
    }
  }

  /** The model as a score model; a causal LM is a usage error naming {@code --model}. */
  io.dualign.model.ScoreModel scoreModel() {
    try {
      return model.scoreModel();
    } catch (IllegalStateException e) {
      throw new ConfigError("--model: " + e.getMessage() + " (score --model needs a reward or "
          + "cost model)");
    }
  }

  /**
   * The JSON objects of a jsonl file, one per non-blank line.
   *
   * @throws ConfigError naming the file and line of a line that is not a JSON object with the
   *     required text fields
   */
  static List<JsonNode> readJsonl(Path file, String... required) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new ConfigError(file + " does not exist or is not a file");
    }
    List<JsonNode> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int lineNo = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        JsonNode n;
        try {
          n = JSON.readTree(line);
        } catch (IOException e) {
          throw new ConfigError(file + " line " + lineNo + " is not valid JSON: "
              + e.getMessage());
        }
        for (String field : required) {
          if (n == null || !n.isObject() || !n.path(field).isTextual()) {
            throw new ConfigError(file + " line " + lineNo + ": needs a text field '" + field
                + "'");
          }
        }
        rows.add(n);
      }
    }
    return rows;
  }

  @Override
  public void close() {
    model.close();
  }
}
