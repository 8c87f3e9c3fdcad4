package io.dualign.spark;

import io.dualign.config.UtilityScorer;
import io.dualign.dual.Constraint;
import io.dualign.vocabulary.ScorerRole;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A {@code ScoringSpec} is everything an executor needs to score (prompt, response) texts: the
 * reward model, the cost model (null when no utility uses it), one {@link UtilityScorer} per
 * constraint in constraint order, how prompts are templated and cut, the batch size, PyTorch
 * threads per task and its {@link Option}s. Built with {@link #builder}, so every call site names
 * what it sets.
 */
public record ScoringSpec(ModelRef reward, ModelRef cost, List<UtilityScorer> utilities,
    String chatTemplate, int maxPromptTokens, int maxResponseTokens, int batchSize,
    int threadsPerTask, Set<Option> options) implements Serializable {

  /** What a scoring job does beyond scoring; absent options are off. */
  public enum Option {
    /** Cut an over-long prompt to {@code maxPromptTokens}; without it the row gets an error. */
    TRUNCATE_PROMPTS,
    /** Add the synthetic world's gold reward and cost columns. */
    GOLD_SCORES
  }

  public ScoringSpec {
    utilities = List.copyOf(utilities);
    options = options.isEmpty() ? Collections.emptySet()
        : Collections.unmodifiableSet(EnumSet.copyOf(options));
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

  /** A builder scoring with {@code reward} and {@code cost} (null when no utility uses it). */
  public static Builder builder(ModelRef reward, ModelRef cost) {
    return new Builder(reward, cost);
  }

  /** Whether over-long prompts are cut ({@link Option#TRUNCATE_PROMPTS}) rather than rejected. */
  public boolean truncatePrompts() {
    return options.contains(Option.TRUNCATE_PROMPTS);
  }

  /** Whether gold scores are added ({@link Option#GOLD_SCORES}). */
  public boolean gold() {
    return options.contains(Option.GOLD_SCORES);
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

  /** A copy with {@code option} on. */
  public ScoringSpec with(Option option) {
    EnumSet<Option> more = options.isEmpty() ? EnumSet.noneOf(Option.class)
        : EnumSet.copyOf(options);
    more.add(option);
    return new ScoringSpec(reward, cost, utilities, chatTemplate, maxPromptTokens,
        maxResponseTokens, batchSize, threadsPerTask, more);
  }

  /** A copy with these reward and cost models (e.g. as {@link ModelDelivery} delivers them). */
  public ScoringSpec withModels(ModelRef r, ModelRef c) {
    return new ScoringSpec(r, c, utilities, chatTemplate, maxPromptTokens, maxResponseTokens,
        batchSize, threadsPerTask, options);
  }

  /**
   * A {@code Builder} makes a {@link ScoringSpec}: the utilities, chat template and token limits
   * are required; the batch size and threads per task default to 1, and no option is on.
   */
  public static final class Builder {
    private final ModelRef reward;
    private final ModelRef cost;
    private List<UtilityScorer> utilities;
    private String chatTemplate;
    private int maxPromptTokens;
    private int maxResponseTokens;
    private int batchSize = 1;
    private int threadsPerTask = 1;
    private final EnumSet<Option> options = EnumSet.noneOf(Option.class);

    private Builder(ModelRef reward, ModelRef cost) {
      this.reward = reward;
      this.cost = cost;
    }

    /** The utility scorers, one per constraint in constraint order. */
    public Builder utilities(List<UtilityScorer> u) {
      this.utilities = u;
      return this;
    }

    /** The chat template prompts are put in ({@code {prompt}} marks the place). */
    public Builder chatTemplate(String t) {
      this.chatTemplate = t;
      return this;
    }

    /** The most prompt tokens a scored text may have. */
    public Builder maxPromptTokens(int n) {
      this.maxPromptTokens = n;
      return this;
    }

    /** The most response tokens scored (longer responses are cut). */
    public Builder maxResponseTokens(int n) {
      this.maxResponseTokens = n;
      return this;
    }

    /** Texts scored per forward pass. */
    public Builder batchSize(int n) {
      this.batchSize = n;
      return this;
    }

    /** PyTorch intra-op threads per task. */
    public Builder threadsPerTask(int n) {
      this.threadsPerTask = n;
      return this;
    }

    /** Turns these options on. */
    public Builder with(Option... on) {
      options.addAll(List.of(on));
      return this;
    }

    /** Turns these options on. */
    public Builder with(Set<Option> on) {
      options.addAll(on);
      return this;
    }

    /** The spec, validated. */
    public ScoringSpec build() {
      if (utilities == null) {
        throw new IllegalArgumentException("a scoring spec needs its utility scorers");
      }
      if (chatTemplate == null) {
        throw new IllegalArgumentException("a scoring spec needs its chat template");
      }
      return new ScoringSpec(reward, cost, utilities, chatTemplate, maxPromptTokens,
          maxResponseTokens, batchSize, threadsPerTask, options);
    }
  }
}
