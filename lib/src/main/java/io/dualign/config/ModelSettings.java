package io.dualign.config;

import com.typesafe.config.Config;
import java.io.Serializable;

/**
 * {@code ModelSettings} are the settings of the {@code model} section: the built-in transformer's
 * shape, the tokenizer's vocabulary size, the chat template, the token limits, the models
 * given instead of trained ({@code policy}, {@code reward}, {@code cost}: "" = trained by the run)
 * and the weight type of Hugging Face models ({@code dtype}).
 */
public record ModelSettings(int vocabSize, int contextLength, int dModel, int layers, int heads,
    int kvHeads, int ffnHidden, String chatTemplate, int maxPromptTokens, int maxResponseTokens, String policy,
    String reward, String cost, String dtype) implements Serializable {
  /** The {@code model.chatTemplate} value that uses each model's own template. */
  public static final String AUTO_TEMPLATE = "auto";
  /** The template of a model without its own under {@code auto}: safe-rlhf's. */
  public static final String SAFE_RLHF_TEMPLATE =
      "BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:";

  public ModelSettings {
    if (dModel % heads != 0) {
      throw new ConfigError("model.dModel " + dModel + " must be a multiple of model.heads " + heads);
    }
    if (heads % kvHeads != 0) {
      throw new ConfigError("model.heads " + heads + " must be a multiple of model.kvHeads "
          + kvHeads);
    }
    if (!chatTemplate.equals(AUTO_TEMPLATE) && !chatTemplate.contains("{prompt}")) {
      throw new ConfigError("model.chatTemplate must be \"auto\" or contain {prompt}, was '"
          + chatTemplate + "'");
    }
    if (dtype.equals("bfloat16")) {
      throw new ConfigError("model.dtype = bfloat16 is not available: DJL 0.36's PyTorch engine "
          + "aborts the JVM on any bfloat16 tensor; use float16 (the same memory) or float32 "
          + "(bfloat16 checkpoints load into float32 exactly with auto)");
    }
    if (maxPromptTokens + maxResponseTokens > contextLength) {
      throw new ConfigError("model.maxPromptTokens " + maxPromptTokens + " + model.maxResponseTokens "
          + maxResponseTokens + " exceed model.contextLength " + contextLength);
    }
  }

  static ModelSettings from(Config c) {
    return new ModelSettings(c.getInt("model.vocabSize"), c.getInt("model.contextLength"),
        c.getInt("model.dModel"), c.getInt("model.layers"), c.getInt("model.heads"),
        c.getInt("model.kvHeads"), c.getInt("model.ffnHidden"), c.getString("model.chatTemplate"),
        c.getInt("model.maxPromptTokens"), c.getInt("model.maxResponseTokens"),
        c.getString("model.policy"), c.getString("model.reward"), c.getString("model.cost"),
        c.getString("model.dtype"));
  }

  /**
   * The model given for a training stage's output ({@code sft}: policy, {@code train-reward}:
   * reward, {@code train-cost}: cost), or null when the run trains it.
   */
  public String provided(io.dualign.vocabulary.Stage stage) {
    String v = switch (stage) {
      case SFT -> policy;
      case TRAIN_REWARD -> reward;
      case TRAIN_COST -> cost;
      default -> throw new IllegalArgumentException(stage.cliName() + " trains no model");
    };
    return v == null || v.isBlank() ? null : v;
  }

  /** The config key that gives the model of a training stage. */
  public static String keyFor(io.dualign.vocabulary.Stage stage) {
    return switch (stage) {
      case SFT -> "model.policy";
      case TRAIN_REWARD -> "model.reward";
      case TRAIN_COST -> "model.cost";
      default -> throw new IllegalArgumentException(stage.cliName() + " trains no model");
    };
  }
}
