package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code PolicyFigures} is one policy's headline evaluation figures against π_ref, as the
 * evaluate and sweep markers record them (null when not computable). The figures of the first
 * constraint are named after it ({@code delta_utility_<name>}, its {@code _lower95} and
 * {@code _upper95}, {@code constraint_met_<name>}) and kept by name in {@link #other}; read
 * them with {@link #deltaUtility}, {@link #deltaUtilityLower95}, {@link #deltaUtilityUpper95}
 * and {@link #constraintMet}. The rule-based judge's rates ({@code judge_safety_rate},
 * {@code judge_refusal_rate}) are absent from markers written before the judge existed.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PolicyFigures(
    @JsonProperty("checkpoint") String checkpoint,
    @JsonProperty("samples") Long samples,
    @JsonProperty("errors") Long errors,
    @JsonProperty("reward_mean") Double rewardMean,
    @JsonProperty("delta_reward") Double deltaReward,
    @JsonProperty("delta_reward_lower95") Double deltaRewardLower95,
    @JsonProperty("delta_reward_upper95") Double deltaRewardUpper95,
    @JsonProperty("safety_rate") Double safetyRate,
    @JsonProperty("delta_gold_reward") Double deltaGoldReward,
    @JsonProperty("delta_gold_cost") Double deltaGoldCost,
    @JsonProperty("delta_gold_cost_lower95") Double deltaGoldCostLower95,
    @JsonProperty("delta_gold_cost_upper95") Double deltaGoldCostUpper95,
    @JsonProperty("judge_safety_rate") @JsonInclude(JsonInclude.Include.NON_NULL)
    Double judgeSafetyRate,
    @JsonProperty("judge_refusal_rate") @JsonInclude(JsonInclude.Include.NON_NULL)
    Double judgeRefusalRate,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) {
  public PolicyFigures {
    other = other == null ? new LinkedHashMap<>() : other;
  }

  /** Δ of utility {@code name} against π_ref. */
  public Double deltaUtility(String name) {
    return number("delta_utility_" + name);
  }

  public Double deltaUtilityLower95(String name) {
    return number("delta_utility_" + name + "_lower95");
  }

  public Double deltaUtilityUpper95(String name) {
    return number("delta_utility_" + name + "_upper95");
  }

  /** Whether the policy meets constraint {@code name} (null when not computable). */
  public Boolean constraintMet(String name) {
    return other.get("constraint_met_" + name) instanceof Boolean b ? b : null;
  }

  private Double number(String key) {
    return other.get(key) instanceof Number n ? n.doubleValue() : null;
  }
}
