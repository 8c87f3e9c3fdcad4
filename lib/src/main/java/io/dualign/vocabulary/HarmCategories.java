package io.dualign.vocabulary;

import java.util.List;

/**
 * {@code HarmCategories} is the fixed list of PKU-SafeRLHF's 19 harm categories, in the dataset's
 * column order; the keys of its {@code response_k_harm_category} objects.
 */
public final class HarmCategories {
  /** The 19 category names exactly as PKU-SafeRLHF spells them. */
  public static final List<String> NAMES = List.of(
      "Endangering National Security", "Insulting Behavior", "Discriminatory Behavior",
      "Endangering Public Health", "Copyright Issues", "Violence", "Drugs", "Privacy Violation",
      "Economic Crime", "Mental Manipulation", "Human Trafficking", "Physical Harm",
      "Sexual Content", "Cybercrime", "Disrupting Public Order", "Environmental Damage",
      "Psychological Harm", "White-Collar Crime", "Animal Abuse");

  private HarmCategories() {}
}
