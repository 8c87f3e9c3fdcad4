package io.dualign.data;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualign.config.DataSettings;
import java.util.List;

/**
 * {@code HhRlhfParser} turns one Anthropic HH-RLHF row ({@code chosen}/{@code rejected} dialogues
 * "\n\nHuman: ...\n\nAssistant: ...") into a {@link PreferencePair}: the final Assistant turn of
 * each dialogue is a response, the earlier turns (identical in both) are the multi-turn prompt, and
 * the chosen answer is response_0, better and safer. HH-RLHF carries no per-response safety label,
 * so is_safe and severity are null.
 */
public final class HhRlhfParser {
  public static final String SOURCE = "hh-rlhf";
  static final String ASSISTANT = "\n\nAssistant:";
  static final String HUMAN = "\n\nHuman:";

  private HhRlhfParser() {}

  public static PreferencePair parse(JsonNode row, DataSettings limits) throws BadRowException {
    String chosen = rawText(row, "chosen");
    String rejected = rawText(row, "rejected");
    String[] c = split(chosen, "chosen");
    String[] r = split(rejected, "rejected");
    if (!c[0].equals(r[0])) {
      throw new BadRowException(RejectReason.BAD_DIALOGUE,
          "chosen and rejected differ before their final Assistant turn");
    }
    String prompt = c[0];
    if (prompt.length() > limits.maxPromptChars()) {
      throw new BadRowException(RejectReason.TOO_LONG, "prompt has " + prompt.length()
          + " characters, more than the limit " + limits.maxPromptChars());
    }
    for (int i = 0; i < 2; i++) {
      String resp = i == 0 ? c[1] : r[1];
      String which = i == 0 ? "chosen" : "rejected";
      if (resp.isEmpty() && limits.rejectEmptyResponses()) {
        throw new BadRowException(RejectReason.EMPTY_TEXT, "the final Assistant turn of '"
            + which + "' is empty");
      }
      if (resp.length() > limits.maxResponseChars()) {
        throw new BadRowException(RejectReason.TOO_LONG, "the final Assistant turn of '" + which
            + "' has " + resp.length() + " characters, more than the limit "
            + limits.maxResponseChars());
      }
    }
    return new PreferencePair(prompt, c[1], r[1], 0, 0, null, null, null, null, List.of(),
        List.of(), null, SOURCE, null, null, null);
  }

  private static String rawText(JsonNode row, String field) throws BadRowException {
    JsonNode v = JsonFields.required(row, field);
    if (!v.isTextual()) {
      throw JsonFields.wrongType(field, "a string", v);
    }
    if (v.textValue().isBlank()) {
      throw new BadRowException(RejectReason.EMPTY_TEXT, "field '" + field + "' is empty");
    }
    return v.textValue();
  }

  /**
   * Splits a dialogue into (prompt, final answer): the prompt is everything before the last
   * "\n\nAssistant:" (leading blank lines removed, ending with "\n\nAssistant:" so a policy
   * continues it); the answer is the trimmed text after it.
   */
  static String[] split(String dialogue, String field) throws BadRowException {
    int at = dialogue.lastIndexOf(ASSISTANT);
    if (at < 0 || !dialogue.contains("Human:")) {
      throw new BadRowException(RejectReason.BAD_DIALOGUE, "field '" + field
          + "' has no \"Human:\" and final \"Assistant:\" turn");
    }
    String answer = dialogue.substring(at + ASSISTANT.length()).strip();
    String prompt = dialogue.substring(0, at + ASSISTANT.length()).stripLeading();
    if (prompt.equals(ASSISTANT.strip()) || !prompt.startsWith("Human:")) {
      throw new BadRowException(RejectReason.BAD_DIALOGUE, "field '" + field
          + "' does not start with a Human turn");
    }
    return new String[] {prompt, answer};
  }
}
