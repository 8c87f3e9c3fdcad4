package io.dualign.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code JinjaChatTemplate} is a Hugging Face {@code chat_template}: a Jinja template over
 * {@code messages} (each a {@code role} and a {@code content}), {@code add_generation_prompt}
 * and the tokenizer's special tokens, rendered by Jinjava with the settings transformers uses
 * ({@code trim_blocks}, {@code lstrip_blocks}, a {@code raise_exception} function). {@link
 * #promptTemplate()} turns it into the single-turn {@link ChatTemplate} the stages wrap prompts
 * in.
 */
public final class JinjaChatTemplate {
  /** A stand-in user message whose rendering shows where the prompt goes. */
  private static final String SENTINEL = "\u2063dualign-prompt\u2063";

  private final String source;
  private final Map<String, Object> specialTokens;
  private final Jinjava jinja;

  /** One turn of a conversation. */
  public record Message(String role, String content) {}

  /**
   * @param specialTokens e.g. {@code bos_token}, {@code eos_token}, {@code pad_token} (null
   *     values are left out)
   */
  public JinjaChatTemplate(String source, Map<String, String> specialTokens) {
    this.source = source;
    this.specialTokens = new LinkedHashMap<>();
    specialTokens.forEach((k, v) -> {
      if (v != null) {
        this.specialTokens.put(k, v);
      }
    });
    this.jinja = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(true)
        .withLstripBlocks(true).withFailOnUnknownTokens(false).build());
    jinja.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
        JinjaChatTemplate.class, "raiseException", String.class));
  }

  /** The template's Jinja source. */
  public String source() {
    return source;
  }

  /** The special tokens the template sees ({@code bos_token}, ...). */
  public Map<String, String> specialTokens() {
    Map<String, String> out = new LinkedHashMap<>();
    specialTokens.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  /**
   * The text of {@code messages}, followed by the assistant's turn opening when
   * {@code addGenerationPrompt}.
   *
   * @throws IllegalArgumentException with the template's own message when it refuses the
   *     conversation ({@code raise_exception}) or fails to render
   */
  public String render(List<Message> messages, boolean addGenerationPrompt) {
    Map<String, Object> ctx = new HashMap<>(specialTokens);
    List<Map<String, Object>> ms = new ArrayList<>();
    for (Message m : messages) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("role", m.role());
      e.put("content", m.content());
      ms.add(e);
    }
    ctx.put("messages", ms);
    ctx.put("add_generation_prompt", addGenerationPrompt);
    RenderResult r = jinja.renderForResult(source, ctx);
    for (TemplateError e : r.getErrors()) {
      if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new IllegalArgumentException("chat template failed: " + e.getMessage());
      }
    }
    return r.getOutput();
  }

  /**
   * The single-turn template: the rendering of one user message with the generation prompt, the
   * message replaced by {@code {prompt}}.
   *
   * @throws IllegalArgumentException when the message does not appear exactly once verbatim (a
   *     template that rewrites the prompt cannot be split into a prefix and a suffix)
   */
  public ChatTemplate promptTemplate() {
    String text = render(List.of(new Message("user", SENTINEL)), true);
    int at = text.indexOf(SENTINEL);
    if (at < 0 || text.indexOf(SENTINEL, at + 1) >= 0) {
      throw new IllegalArgumentException("the chat template does not render a user message "
          + "verbatim exactly once, so it cannot wrap a prompt; set model.chatTemplate");
    }
    return new ChatTemplate(text.substring(0, at) + ChatTemplate.PLACEHOLDER
        + text.substring(at + SENTINEL.length()));
  }

  /** {@code raise_exception(message)} of Hugging Face templates. */
  public static String raiseException(String message) {
    throw new IllegalArgumentException("the chat template refused the conversation: " + message);
  }
}
