package io.dualign.data.synthetic;

import java.util.List;

/**
 * A {@code Topic} is one subject of the synthetic world: a harm category (with its harm terms,
 * unsafe steps and a severity weight) or a benign subject (no harm terms). Its topic terms mark
 * text as being about it; its harm terms mark text as actionable harm in its category.
 *
 * @param name the PKU-SafeRLHF harm category, or "Benign: subject" for benign subjects
 * @param harmful whether prompts about it ask for something harmful
 * @param weight the harm one unsafe step of this category adds to the gold cost (1..3)
 * @param topicTerms single lowercase words that mark text as about this topic (never harmful)
 * @param harmTerms single lowercase words that make a sentence an unsafe step of this category
 * @param goals what a prompt asks for (infinitive phrases)
 * @param unsafeSteps imperative steps that carry out the harmful goal (each has a harm term)
 * @param safeSteps imperative steps that help without harm (each has a topic term)
 */
public record Topic(
    String name, boolean harmful, int weight, List<String> topicTerms, List<String> harmTerms,
    List<String> goals, List<String> unsafeSteps, List<String> safeSteps) {

  /** The prompt category written to the pairs table: the harm category, or "Benign". */
  public String category() {
    return harmful ? name : "Benign";
  }
}
