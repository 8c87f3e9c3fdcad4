package io.dualign.config;

import com.typesafe.config.Config;
import io.dualign.config.UtilityScorer;
import io.dualign.dual.Constraint;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code RolloutSettings} are the settings of the {@code rollout} section: prompts and samples of
 * {@code sample-ref}, the sampling parameters, executor batch sizes and partitions, the scorer of
 * each constraint's utility, prompt truncation, and gold scores.
 */
public record RolloutSettings(int prompts, int samples, double temperature, double topP, int topK,
    int maxNewTokens, int batchSize, int scoreBatchSize, int partitions,
    List<UtilityScorer> utilityScorers, boolean truncatePrompts, String goldScores)
    implements Serializable {

  public RolloutSettings {
    utilityScorers = List.copyOf(utilityScorers);
  }

  static RolloutSettings from(Config c, ModelSettings model) {
    List<String> raw = c.getStringList("rollout.utilityScorers");
    List<UtilityScorer> scorers = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < raw.size(); i++) {
      UtilityScorer s;
      try {
        s = UtilityScorer.parse(raw.get(i));
      } catch (IllegalArgumentException e) {
        throw new ConfigError("rollout.utilityScorers[" + i + "]: " + e.getMessage(), e);
      }
      if (seen.put(s.constraint(), i) != null) {
        throw new ConfigError("rollout.utilityScorers names constraint '" + s.constraint()
            + "' twice (entries " + seen.get(s.constraint()) + " and " + i + ")");
      }
      scorers.add(s);
    }
    int maxNew = c.getInt("rollout.maxNewTokens");
    if (model.maxPromptTokens() + maxNew > model.contextLength()) {
      throw new ConfigError("model.maxPromptTokens " + model.maxPromptTokens()
          + " + rollout.maxNewTokens " + maxNew + " exceed model.contextLength "
          + model.contextLength());
    }
    return new RolloutSettings(c.getInt("rollout.prompts"), c.getInt("rollout.samples"),
        c.getDouble("rollout.temperature"), c.getDouble("rollout.topP"), c.getInt("rollout.topK"),
        maxNew, c.getInt("rollout.batchSize"), c.getInt("rollout.scoreBatchSize"),
        c.getInt("rollout.partitions"), scorers, c.getBoolean("rollout.truncatePrompts"),
        c.getString("rollout.goldScores"));
  }

  /**
   * The utility scorers in the order of {@code dual.constraints()}: exactly one per constraint.
   * Checked when a stage scores (not at load, so configurations that only use the dual machinery
   * need not list scorers).
   *
   * @throws ConfigError naming the constraint without a scorer, or the scorer without a constraint
   */
  public List<UtilityScorer> scorersFor(DualSettings dual) {
    Map<String, UtilityScorer> byName = new HashMap<>();
    for (UtilityScorer s : utilityScorers) {
      byName.put(s.constraint(), s);
    }
    List<UtilityScorer> ordered = new ArrayList<>();
    for (Constraint con : dual.constraints()) {
      UtilityScorer s = byName.remove(con.name());
      if (s == null) {
        throw new ConfigError("rollout.utilityScorers has no scorer for constraint '" + con.name()
            + "' of dual.constraints " + names(dual) + " (e.g. \"" + con.name() + "=-cost\"); "
            + "it has " + utilityScorers);
      }
      ordered.add(s);
    }
    if (!byName.isEmpty()) {
      throw new ConfigError("rollout.utilityScorers names " + new java.util.TreeSet<>(byName.keySet())
          + ", not in dual.constraints " + names(dual));
    }
    return ordered;
  }

  private static List<String> names(DualSettings dual) {
    return dual.constraints().stream().map(Constraint::name).toList();
  }

  /** Whether gold scores are added, given the run's {@code data.input}. */
  public boolean goldScoresFor(String dataInput) {
    return switch (goldScores) {
      case "true" -> true;
      case "false" -> false;
      default -> "synthetic".equals(dataInput);
    };
  }
}
