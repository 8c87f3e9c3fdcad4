package io.dualign.text;

/**
 * A {@code ChatTemplate} turns a user prompt into the text a policy continues, e.g. safe-rlhf's
 * {@code BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:}. The template holds
 * {@code {prompt}} exactly once.
 */
public record ChatTemplate(String template) {
  public static final String PLACEHOLDER = "{prompt}";
  public static final ChatTemplate SAFE_RLHF =
      new ChatTemplate("BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:");

  public ChatTemplate {
    int first = template.indexOf(PLACEHOLDER);
    if (first < 0 || template.indexOf(PLACEHOLDER, first + 1) >= 0) {
      throw new IllegalArgumentException("chat template must contain " + PLACEHOLDER
          + " exactly once, was '" + template + "'");
    }
  }

  /** The text before the prompt. */
  public String prefix() {
    return template.substring(0, template.indexOf(PLACEHOLDER));
  }

  /** The text after the prompt. */
  public String suffix() {
    return template.substring(template.indexOf(PLACEHOLDER) + PLACEHOLDER.length());
  }

  public String format(String prompt) {
    return prefix() + prompt + suffix();
  }
}
