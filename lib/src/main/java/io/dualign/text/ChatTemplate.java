package io.dualign.text;

/**
 * A {@code ChatTemplate} turns a user prompt into the text a policy continues, e.g. safe-rlhf's
 * {@code BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:}. The template holds
 * {@code {prompt}} exactly once.
 */
public record ChatTemplate(String template) implements java.io.Serializable {
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

  /** The {@code model.chatTemplate} value that uses each model's own template. */
  public static final String AUTO = "auto";

  /**
   * The template a model's prompts are wrapped in: {@code configured} ({@code model.chatTemplate})
   * unless it is {@link #AUTO}, which takes the model's own chat template and, for a model
   * without one, {@link #SAFE_RLHF}.
   */
  public static ChatTemplate resolve(String configured,
      java.util.Optional<JinjaChatTemplate> own) {
    if (!configured.equals(AUTO)) {
      return new ChatTemplate(configured);
    }
    return own.map(JinjaChatTemplate::promptTemplate).orElse(SAFE_RLHF);
  }

  public String format(String prompt) {
    return prefix() + prompt + suffix();
  }
}
