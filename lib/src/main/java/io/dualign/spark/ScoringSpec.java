package io.dualign.spark;

import io.dualign.config.UtilityScorer;
import io.dualign.dual.Constraint;
import io.dualign.vocabulary.ScorerRole;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code ScoringSpec} is everything an executor needs to score (prompt, response) texts: the
 * reward model, the cost model (null when no utility uses it), one {@link UtilityScorer} per
 * constraint in constraint order, how prompts are templated and cut, the batch size, whether gold
 * scores are added, PyTorch threads per task, and the test-only fault injection.
 */
public record ScoringSpec(ModelRef reward, ModelRef cost, List<UtilityScorer> utilities,
    String chatTemplate, int maxPromptTokens, int maxResponseTokens, boolean truncatePrompts,
    int batchSize, boolean gold, int threadsPerTask, boolean failOnceForTesting)
    implements Serializable {

  public ScoringSpec {
    utilities = List.copyOf(utilities);
    if (reward == null) {
      throw new IllegalArgumentException("a reward model is required");
    }
    for (UtilityScorer u : utilities) {
      if (u.role() == ScorerRole.COST && cost == null) {
        throw new IllegalArgumentException("utility " + u + " needs the cost model, none given");
      }
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("score batch size must be >= 1, was " + batchSize);
    }
    if (threadsPerTask < 1) {
      throw new IllegalArgumentException("threads per task must be >= 1, was " + threadsPerTask);
    }
  }

  /** The utility columns in order ({@code utility_<constraint>}). */
  public List<String> utilityColumns() {
    List<String> out = new ArrayList<>();
    for (UtilityScorer u : utilities) {
      out.add(Constraint.UTILITY_PREFIX + u.constraint());
    }
    return out;
  }

  /** The model of a role (null for an unused cost model). */
  public ModelRef model(ScorerRole role) {
    return role == ScorerRole.REWARD ? reward : cost;
  }

  /** A copy that cuts (true) or rejects (false) over-long prompts. */
  public ScoringSpec withTruncatePrompts(boolean cut) {
    return new ScoringSpec(reward, cost, utilities, chatTemplate, maxPromptTokens,
        maxResponseTokens, cut, batchSize, gold, threadsPerTask, failOnceForTesting);
  }

  /** A copy with another batch size. */
  public ScoringSpec withBatchSize(int n) {
    return new ScoringSpec(reward, cost, utilities, chatTemplate, maxPromptTokens,
        maxResponseTokens, truncatePrompts, n, gold, threadsPerTask, failOnceForTesting);
  }

  /** A copy with these reward and cost models (e.g. as {@link ModelDelivery} delivers them). */
  public ScoringSpec withModels(ModelRef r, ModelRef c) {
    return new ScoringSpec(r, c, utilities, chatTemplate, maxPromptTokens, maxResponseTokens,
        truncatePrompts, batchSize, gold, threadsPerTask, failOnceForTesting);
  }
}
