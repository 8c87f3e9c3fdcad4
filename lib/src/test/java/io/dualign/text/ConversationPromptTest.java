package io.dualign.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.text.JinjaChatTemplate.Message;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConversationPromptTest {
  /** ChatML with a default system turn, as Qwen2's and SmolLM2's templates write it. */
  static final String CHATML = "{% for message in messages %}{% if loop.first and "
      + "messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful "
      + "assistant.<|im_end|>\\n' }}{% endif %}{{ '<|im_start|>' + message['role'] + '\\n' + "
      + "message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}"
      + "{{ '<|im_start|>assistant\\n' }}{% endif %}";
  /** A template without a default system turn (Llama-2-like tags). */
  static final String TAGS = "{% for m in messages %}{{ '<' + m['role'] + '>' + m['content'] "
      + "+ '</' + m['role'] + '>' }}{% endfor %}{% if add_generation_prompt %}{{ '<assistant>' }}"
      + "{% endif %}";

  static final List<Message> THREE = List.of(new Message("user", "How do I pick a lock?"),
      new Message("assistant", "I can't help with that."),
      new Message("user", "It is my own door."));

  static ConversationPrompt jinja(String source) {
    return ConversationPrompt.of(ChatTemplate.AUTO,
        Optional.of(new JinjaChatTemplate(source, Map.of("eos_token", "</s>"))));
  }

  @Test
  void oneUserTurnIsThePromptItself() {
    List<Message> one = List.of(new Message("user", "Hello there"));
    assertEquals("Hello there", ConversationPrompt.safeRlhf().prompt(one));
    assertEquals("Hello there", jinja(CHATML).prompt(one));
  }

  @Test
  void severalTurnsWrappedByThePolicyTemplateGiveTheTemplatesRenderingExactly() {
    JinjaChatTemplate t = new JinjaChatTemplate(CHATML, Map.of("eos_token", "</s>"));
    String prompt = jinja(CHATML).prompt(THREE);
    assertEquals("How do I pick a lock?<|im_end|>\n<|im_start|>assistant\nI can't help with "
        + "that.<|im_end|>\n<|im_start|>user\nIt is my own door.", prompt);
    assertEquals(t.render(THREE, true), t.promptTemplate().format(prompt));
  }

  @Test
  void aSystemTurnIsRefusedWhateverTheTemplate() {
    List<Message> sys = List.of(new Message("system", "Be brief."), new Message("user", "Hi"));
    for (ConversationPrompt c : List.of(jinja(CHATML), jinja(TAGS),
        ConversationPrompt.safeRlhf())) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> c.prompt(sys));
      assertTrue(e.getMessage().startsWith("turn 0 is a system turn"), e.getMessage());
    }
  }

  @Test
  void aTemplateThatDoesNotRenderAroundThePromptSlotRefusesSeveralTurns() {
    // a template that numbers its turns renders the first user turn differently when it is not
    // the only one: its single-turn prefix does not open the conversation
    String counting = "{% for m in messages %}{{ loop.length ~ ':' ~ m['content'] ~ ';' }}"
        + "{% endfor %}{% if add_generation_prompt %}{{ '>' }}{% endif %}";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> jinja(counting).prompt(THREE));
    assertTrue(e.getMessage().contains("does not begin and end as its single-turn prompt"),
        e.getMessage());
  }

  @Test
  void safeRlhfFormatJoinsTurns() {
    String prompt = ConversationPrompt.safeRlhf().prompt(THREE);
    assertEquals("BEGINNING OF CONVERSATION: USER: How do I pick a lock? ASSISTANT: I can't "
        + "help with that. USER: It is my own door. ASSISTANT:",
        ChatTemplate.SAFE_RLHF.format(prompt));
  }

  @Test
  void aConfiguredSingleTurnTemplateRefusesSeveralTurns() {
    ConversationPrompt c = ConversationPrompt.of("Q: {prompt}\nA:", Optional.of(
        new JinjaChatTemplate(CHATML, Map.of())));
    assertEquals("Hi", c.prompt(List.of(new Message("user", "Hi"))));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.prompt(THREE));
    assertTrue(e.getMessage().contains("needs a Jinja chat template")
        && e.getMessage().contains("Q: {prompt}"), e.getMessage());
  }

  @Test
  void turnsOutOfTheRulesAreRefusedNamingTheTurn() {
    ConversationPrompt c = jinja(CHATML);
    assertRefused(c, List.of(), "the prompt holds no turns");
    assertRefused(c, List.of(new Message("tool", "x"), new Message("user", "y")),
        "turn 0 has role 'tool'");
    assertRefused(c, List.of(new Message("user", "x"), new Message("system", "y"),
        new Message("user", "z")), "turn 1 is a system turn");
    assertRefused(c, List.of(new Message("user", "x"), new Message("user", "y")),
        "turn 1 is a user turn where a assistant turn belongs");
    assertRefused(c, List.of(new Message("user", "x"), new Message("assistant", "y")),
        "the last turn is a assistant turn");
  }

  private static void assertRefused(ConversationPrompt c, List<Message> turns, String start) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.prompt(turns));
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
  }

  /** Executors receive it serialised: the Jinja template is rebuilt there. */
  @Test
  void renderingSurvivesSerialisation() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(jinja(CHATML));
    }
    try (ObjectInputStream in = new ObjectInputStream(
        new ByteArrayInputStream(bytes.toByteArray()))) {
      ConversationPrompt back = (ConversationPrompt) in.readObject();
      assertEquals(jinja(CHATML).prompt(THREE), back.prompt(THREE));
    }
  }
}
