package io.dualign.data;

import io.dualign.vocabulary.Hashes;
import java.util.List;

/**
 * A {@code PreferencePair} is one normalised preference row: a prompt, two responses and their
 * helpfulness and safety labels, independent of the input form it came from. Nullable fields are
 * {@code null} when the form does not carry them (severity in the 7-column form and HH-RLHF,
 * is_safe in HH-RLHF).
 */
public record PreferencePair(
    String prompt, String response0, String response1, int betterResponseId,
    int saferResponseId, Boolean isResponse0Safe, Boolean isResponse1Safe,
    Integer response0Severity, Integer response1Severity, List<String> response0HarmCategories,
    List<String> response1HarmCategories, String category, String source, String promptSource,
    String response0Source, String response1Source) {

  public String promptId() {
    return Hashes.promptId(prompt);
  }

  public String pairId() {
    return Hashes.pairId(prompt, response0, response1);
  }
}
