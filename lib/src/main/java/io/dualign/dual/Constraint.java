package io.dualign.dual;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code Constraint} is one secondary utility the aligned policy must keep above a threshold:
 * its name (the utility column is {@code utility_<name>}, g with higher = safer), its form and its
 * threshold (b for {@link ConstraintForm#RELATIVE}, c for {@link ConstraintForm#ABSOLUTE}).
 */
public record Constraint(String name, ConstraintForm form, double threshold) {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  /** Prefix of the utility score columns of samples, rollouts and pairs. */
  public static final String UTILITY_PREFIX = "utility_";

  public Constraint {
    Objects.requireNonNull(name, "constraint name");
    Objects.requireNonNull(form, "constraint form");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("constraint name '" + name
          + "' is not allowed: lower case letters, digits and underscores, starting with a letter");
    }
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("threshold of constraint " + name + " must be finite, was "
          + threshold);
    }
  }

  /** The utility column of this constraint: {@code utility_<name>}. */
  public String column() {
    return UTILITY_PREFIX + name;
  }

  /** The utility column of response {@code i} (0 or 1) of a scored pair: {@code utility_<name>_<i>}. */
  public String pairColumn(int response) {
    return column() + "_" + response;
  }
}
