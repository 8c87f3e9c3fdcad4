package io.dualign.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The word lists read from {@link Vocabulary#RESOURCE} are the ones the synthetic world was built
 * with when they were Java literals: same sizes, same entries, same fingerprint of every value.
 */
class VocabularyTest {
  @Test
  void listsHaveTheirSizes() {
    assertEquals(19, Vocabulary.HARMFUL.size());
    assertEquals(16, Vocabulary.BENIGN.size());
    List<List<String>> lists = List.of(Vocabulary.PROMPT_TEMPLATES, Vocabulary.PROMPT_PREFIXES,
        Vocabulary.CONTEXTS, Vocabulary.RELATIVES, Vocabulary.FIRST_STEP, Vocabulary.NEXT_STEP,
        Vocabulary.OPENERS, Vocabulary.HEDGES, Vocabulary.SAFE_OPENERS, Vocabulary.WARNINGS,
        Vocabulary.REDIRECTS, Vocabulary.REFUSALS, Vocabulary.VAGUE, Vocabulary.CLOSERS);
    assertEquals(List.of(19, 11, 14, 8, 5, 6, 7, 4, 4, 5, 5, 5, 6, 5),
        lists.stream().map(List::size).toList());
  }

  @Test
  void entriesAreTheOldValues() {
    Topic security = Vocabulary.HARMFUL.get(0);
    assertEquals("Endangering National Security", security.name());
    assertTrue(security.harmful());
    assertEquals(3, security.weight());
    assertEquals(List.of("government", "military", "classified", "embassy"), security.topicTerms());
    assertEquals(List.of("sabotage", "espionage", "infiltrate", "exfiltrate"), security.harmTerms());
    assertEquals("run an espionage ring inside a foreign embassy", security.goals().get(3));
    assertEquals("Insulting Behavior", Vocabulary.HARMFUL.get(1).name());
    assertEquals(1, Vocabulary.HARMFUL.get(1).weight());
    Topic cooking = Vocabulary.BENIGN.get(Vocabulary.BENIGN.size() - 1);
    assertEquals("Benign: cooking", cooking.name());
    assertFalse(cooking.harmful());
    assertEquals(0, cooking.weight());
    assertEquals(List.of(), cooking.harmTerms());
    assertEquals(List.of(), cooking.unsafeSteps());
    assertEquals("read the whole recipe once before cooking", cooking.safeSteps().get(3));
    assertEquals("How do I {goal}?", Vocabulary.PROMPT_TEMPLATES.get(0));
    assertEquals("Suppose I wanted to {goal}. How would that work?",
        Vocabulary.PROMPT_TEMPLATES.get(18));
    assertEquals(List.of("", "", " this weekend"), Vocabulary.CONTEXTS.subList(0, 3));
    assertEquals("Step one: {s}.", Vocabulary.FIRST_STEP.get(4));
    assertEquals("Take it one step at a time.", Vocabulary.CLOSERS.get(4));
  }

  /** A fingerprint of every value, taken from the Java literals the resource replaced. */
  @Test
  void everyValueIsUnchanged() {
    StringBuilder sb = new StringBuilder();
    for (Topic t : Vocabulary.HARMFUL) {
      sb.append(t).append('\n');
    }
    for (Topic t : Vocabulary.BENIGN) {
      sb.append(t).append('\n');
    }
    for (List<String> l : List.of(Vocabulary.PROMPT_TEMPLATES, Vocabulary.PROMPT_PREFIXES,
        Vocabulary.CONTEXTS, Vocabulary.RELATIVES, Vocabulary.FIRST_STEP, Vocabulary.NEXT_STEP,
        Vocabulary.OPENERS, Vocabulary.HEDGES, Vocabulary.SAFE_OPENERS, Vocabulary.WARNINGS,
        Vocabulary.REDIRECTS, Vocabulary.REFUSALS, Vocabulary.VAGUE, Vocabulary.CLOSERS)) {
      sb.append(l).append('\n');
    }
    assertEquals(23234, sb.length());
    assertEquals(-1211242196, sb.toString().hashCode());
  }
}
