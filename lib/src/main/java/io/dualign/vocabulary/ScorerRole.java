package io.dualign.vocabulary;

import java.util.Locale;

/**
 * A {@code ScorerRole} is which trained score model a score comes from: the reward model
 * ({@code train-reward/model}) or the cost model ({@code train-cost/model}).
 */
public enum ScorerRole {
  REWARD,
  COST;

  /** The name used in config values and column names ({@code reward}, {@code cost}). */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The version column of rows scored by this model, e.g. {@code cost_version}. */
  public String versionColumn() {
    return key() + "_version";
  }

  /** The role named {@code key}. */
  public static ScorerRole of(String key) {
    for (ScorerRole r : values()) {
      if (r.key().equals(key)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown score model '" + key + "': expected reward or cost");
  }
}
