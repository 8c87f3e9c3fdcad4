package io.dualign.dual;

import java.util.Locale;

/**
 * A {@code ConstraintForm} is how a constraint's threshold is read (docs/algorithms.md).
 */
public enum ConstraintForm {
  /** E_π g − E_ref g ≥ b: an improvement over the reference policy, b in raw score units. */
  RELATIVE,
  /** E_π g ≥ c: a fixed level (Safe RLHF's "mean cost ≤ d" is c = −d with g = −cost). */
  ABSOLUTE;

  /** The form named as in the configuration ({@code relative}, {@code absolute}). */
  public static ConstraintForm of(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** The name as written in the configuration. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
