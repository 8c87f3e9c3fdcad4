package io.dualign.jobs;

import io.dualign.config.ModelSettings;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.hf.HfFolder;
import io.dualign.text.ConversationPrompt;
import io.dualign.text.JinjaChatTemplate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code PolicyConversations} is how {@code prepare} renders conversational prompts: with the
 * policy's own chat template when {@code model.chatTemplate = auto} and {@code model.policy} is a
 * Hugging Face folder that has one (read without loading the weights), else with the
 * configured single-turn template or safe-rlhf's format.
 */
final class PolicyConversations {
  private PolicyConversations() {}

  static ConversationPrompt of(ModelSettings model, Configuration hadoop) {
    return ConversationPrompt.of(model.chatTemplate(), policyTemplate(model.policy(), hadoop));
  }

  private static Optional<JinjaChatTemplate> policyTemplate(String policy, Configuration hadoop) {
    if (policy == null || policy.isEmpty()) {
      return Optional.empty(); // the built-in policy, trained by sft, has no Jinja template
    }
    try {
      Path dir = new Path(policy);
      FileSystem fs = dir.getFileSystem(hadoop);
      return HfFolder.isFolder(fs, dir) ? HfCheckpoint.chatTemplateOf(fs, dir) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the chat template of model.policy " + policy, e);
    }
  }
}
