package io.dualign.data;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualign.config.DataSettings;
import io.dualign.text.ConversationPrompt;
import io.dualign.vocabulary.Hashes;

/**
 * A {@code PromptRecord} is one row of a prompt set (jsonl with {@code prompt} and optional
 * {@code category}, e.g. safe-rlhf's evaluation prompts).
 */
public record PromptRecord(String prompt, String category) {
  public static final String SOURCE = "prompts";

  /** Parses one prompt-set row; {@code conversations} renders a conversational prompt. */
  public static PromptRecord parse(JsonNode row, DataSettings limits,
      ConversationPrompt conversations) throws BadRowException {
    return new PromptRecord(JsonFields.prompt(row, "prompt", limits.maxPromptChars(),
        conversations), JsonFields.optionalText(row, "category"));
  }

  public String promptId() {
    return Hashes.promptId(prompt);
  }
}
