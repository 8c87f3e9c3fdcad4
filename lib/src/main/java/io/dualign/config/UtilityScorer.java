package io.dualign.config;

import io.dualign.vocabulary.ScorerRole;
import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code UtilityScorer} says how one constraint's utility g is computed: {@code sign} times the
 * score of the {@code role} model, e.g. {@code safety=-cost} (g = −cost, higher = safer). Written
 * in config as {@code "<constraint>=<sign><model>"}.
 */
public record UtilityScorer(String constraint, ScorerRole role, double sign)
    implements Serializable {
  private static final Pattern FORM = Pattern.compile("\\s*([a-z][a-z0-9_]*)\\s*=\\s*([+-]?)\\s*([a-z]+)\\s*");

  public UtilityScorer {
    if (sign != 1.0 && sign != -1.0) {
      throw new IllegalArgumentException("utility sign must be +1 or -1, was " + sign);
    }
  }

  /** Parses {@code "<constraint>=<sign><model>"}, e.g. {@code "safety=-cost"}. */
  public static UtilityScorer parse(String spec) {
    Matcher m = FORM.matcher(spec);
    if (!m.matches()) {
      throw new IllegalArgumentException("utility scorer '" + spec + "' is not of the form "
          + "<constraint>=<sign><model>, e.g. safety=-cost");
    }
    return new UtilityScorer(m.group(1), ScorerRole.of(m.group(3)),
        "-".equals(m.group(2)) ? -1.0 : 1.0);
  }

  /** The utility of a row whose {@link #role()} model scored {@code score}. */
  public double utility(double score) {
    return sign * score;
  }

  @Override
  public String toString() {
    return constraint + "=" + (sign < 0 ? "-" : "") + role.key();
  }
}
