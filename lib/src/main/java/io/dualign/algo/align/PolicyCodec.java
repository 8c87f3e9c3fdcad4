package io.dualign.algo.align;

import io.dualign.config.ModelSettings;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.model.LoadedModel;

/**
 * {@code PolicyCodec} builds the one {@link PromptEncoder} every align step uses for a policy's
 * tokenizer (template, prompt and response limits from the model settings), so the reference
 * log-probabilities and the DPO epoch see exactly the same token sequences.
 */
final class PolicyCodec {
  private PolicyCodec() {}

  static PromptEncoder encoder(LoadedModel m, ModelSettings ms) {
    return new PromptEncoder(m.tokenizer(), ChatTemplate.resolve(ms.chatTemplate(),
        m.chatTemplate()), ms.maxPromptTokens(), ms.maxResponseTokens());
  }
}
