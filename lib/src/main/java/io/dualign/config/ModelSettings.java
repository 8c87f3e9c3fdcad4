package io.dualign.config;

import com.typesafe.config.Config;
import java.io.Serializable;

/**
 * {@code ModelSettings} are the settings of the {@code model} section: the built-in transformer's
 * shape, the tokenizer's vocabulary size, the chat template and the token limits.
 */
public record ModelSettings(int vocabSize, int contextLength, int dModel, int layers, int heads,
    int ffnHidden, String chatTemplate, int maxPromptTokens, int maxResponseTokens)
    implements Serializable {
  public ModelSettings {
    if (dModel % heads != 0) {
      throw new ConfigError("model.dModel " + dModel + " must be a multiple of model.heads " + heads);
    }
    if (!chatTemplate.contains("{prompt}")) {
      throw new ConfigError("model.chatTemplate must contain {prompt}, was '" + chatTemplate + "'");
    }
    if (maxPromptTokens + maxResponseTokens > contextLength) {
      throw new ConfigError("model.maxPromptTokens " + maxPromptTokens + " + model.maxResponseTokens "
          + maxResponseTokens + " exceed model.contextLength " + contextLength);
    }
  }

  static ModelSettings from(Config c) {
    return new ModelSettings(c.getInt("model.vocabSize"), c.getInt("model.contextLength"),
        c.getInt("model.dModel"), c.getInt("model.layers"), c.getInt("model.heads"),
        c.getInt("model.ffnHidden"), c.getString("model.chatTemplate"),
        c.getInt("model.maxPromptTokens"), c.getInt("model.maxResponseTokens"));
  }
}
