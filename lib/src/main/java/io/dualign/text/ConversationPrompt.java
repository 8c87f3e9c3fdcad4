package io.dualign.text;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@code ConversationPrompt} turns a conversational prompt (a list of {@code {role, content}}
 * turns, as TRL's conversational datasets store it) into the prompt text the stages wrap in the
 * policy's {@link ChatTemplate}:
 *
 * <ul>
 *   <li>one user turn is the prompt as it is;
 *   <li>several turns ({@code user} and {@code assistant} alternating, ending with {@code user})
 *       are rendered by the policy's Jinja chat template, and the prompt is that text without the
 *       single-turn template's prefix and suffix, so that wrapping it gives exactly the rendered
 *       conversation (a template that does not render the conversation around that slot refuses
 *       it). Without a Jinja template safe-rlhf's format joins the turns
 *       ({@code USER: … ASSISTANT: … USER: …}); any other single-turn template refuses several
 *       turns.
 * </ul>
 *
 * A {@code system} turn is refused: every prompt is user text that each model wraps in its own
 * template, and a system turn would have to stand before the template's opening. So are any other
 * role, turns out of order and a last turn that is not the user's. A refusal is an {@link
 * IllegalArgumentException} saying why; the data stage quarantines the row with it, so no turn is
 * ever dropped silently.
 */
public final class ConversationPrompt implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Set<String> ROLES = Set.of("system", "user", "assistant");

  private final String jinjaSource;
  private final Map<String, String> specialTokens;
  private final ChatTemplate single;
  private transient JinjaChatTemplate jinja;

  private ConversationPrompt(String jinjaSource, Map<String, String> specialTokens,
      ChatTemplate single) {
    this.jinjaSource = jinjaSource;
    this.specialTokens = specialTokens;
    this.single = single;
  }

  /**
   * The rendering for a policy whose prompts are wrapped as {@code configured}
   * ({@code model.chatTemplate}) resolves with the policy's own template {@code own}
   * ({@link ChatTemplate#resolve}): the Jinja template renders several turns only when it is the
   * one in use ({@code auto}).
   */
  public static ConversationPrompt of(String configured,
      java.util.Optional<JinjaChatTemplate> own) {
    ChatTemplate single = ChatTemplate.resolve(configured, own);
    if (configured.equals(ChatTemplate.AUTO) && own.isPresent()) {
      return new ConversationPrompt(own.get().source(), own.get().specialTokens(), single);
    }
    return new ConversationPrompt(null, Map.of(), single);
  }

  /** safe-rlhf's rendering: the default of a policy without a chat template. */
  public static ConversationPrompt safeRlhf() {
    return new ConversationPrompt(null, Map.of(), ChatTemplate.SAFE_RLHF);
  }

  /**
   * The prompt text of {@code turns}.
   *
   * @throws IllegalArgumentException naming the turn and the rule it breaks
   */
  public String prompt(List<JinjaChatTemplate.Message> turns) {
    check(turns);
    if (turns.size() == 1) {
      return turns.get(0).content();
    }
    if (jinjaSource != null) {
      return fromJinja(turns);
    }
    if (!single.equals(ChatTemplate.SAFE_RLHF)) {
      throw new IllegalArgumentException("a prompt of " + turns.size() + " turns needs a Jinja "
          + "chat template (model.chatTemplate = auto with a policy that has one); the "
          + "configured template '" + single.template() + "' holds one user turn");
    }
    StringBuilder b = new StringBuilder(turns.get(0).content());
    for (int i = 1; i < turns.size(); i++) {
      JinjaChatTemplate.Message m = turns.get(i);
      b.append(m.role().equals("assistant") ? " ASSISTANT: " : " USER: ").append(m.content());
    }
    return b.toString();
  }

  private String fromJinja(List<JinjaChatTemplate.Message> turns) {
    if (jinja == null) {
      jinja = new JinjaChatTemplate(jinjaSource, specialTokens);
    }
    String text = jinja.render(turns, true);
    String prefix = single.prefix();
    String suffix = single.suffix();
    if (text.length() < prefix.length() + suffix.length() || !text.startsWith(prefix)
        || !text.endsWith(suffix)) {
      throw new IllegalArgumentException("the chat template renders this conversation of "
          + turns.size() + " turns as text that does not begin and end as its single-turn "
          + "prompt does");
    }
    return text.substring(prefix.length(), text.length() - suffix.length());
  }

  private static void check(List<JinjaChatTemplate.Message> turns) {
    if (turns.isEmpty()) {
      throw new IllegalArgumentException("the prompt holds no turns");
    }
    for (int i = 0; i < turns.size(); i++) {
      String role = turns.get(i).role();
      if (!ROLES.contains(role)) {
        throw new IllegalArgumentException("turn " + i + " has role '" + role + "'; the roles "
            + "are user and assistant (and system, which is refused)");
      }
      if (role.equals("system")) {
        throw new IllegalArgumentException("turn " + i + " is a system turn: dualign's prompts "
            + "are user text each model wraps in its own chat template, so a system turn has no "
            + "place in them");
      }
      String want = i % 2 == 0 ? "user" : "assistant";
      if (!role.equals(want)) {
        throw new IllegalArgumentException("turn " + i + " is a " + role + " turn where a "
            + want + " turn belongs (user and assistant turns alternate, starting with user)");
      }
    }
    String last = turns.get(turns.size() - 1).role();
    if (!last.equals("user")) {
      throw new IllegalArgumentException("the last turn is a " + last + " turn; a prompt ends "
          + "with the user's turn");
    }
  }
}
