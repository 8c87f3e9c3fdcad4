package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code SampleRefMarker} is {@code sample-ref/_SUCCESS.json}: the N×K reference samples'
 * counts, means and throughput, the model versions and the sampling settings. The mean of each
 * utility ({@code mean_utility_<name>}) is kept by name in {@link #other}.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SampleRefMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "prompts", required = true) Long prompts,
    @JsonProperty(value = "samples_per_prompt", required = true) Integer samplesPerPrompt,
    @JsonProperty(value = "rows", required = true) Long rows,
    @JsonProperty("error_rows") Long errorRows,
    @JsonProperty("response_tokens") Long responseTokens,
    @JsonProperty("responses_cut_at_max_tokens") Long responsesCutAtMaxTokens,
    @JsonProperty("rows_with_truncated_prompt") Long rowsWithTruncatedPrompt,
    @JsonProperty("mean_reward") Double meanReward,
    @JsonProperty("mean_gold_reward") @JsonInclude(JsonInclude.Include.NON_NULL) Double meanGoldReward,
    @JsonProperty("mean_gold_cost") @JsonInclude(JsonInclude.Include.NON_NULL) Double meanGoldCost,
    @JsonProperty("executors") Integer executors,
    @JsonProperty("rows_per_second") Double rowsPerSecond,
    @JsonProperty("tokens_per_second") Double tokensPerSecond,
    @JsonProperty("top_errors") Map<String, Long> topErrors,
    @JsonProperty("devices") List<String> devices,
    @JsonProperty("policy_version") String policyVersion,
    @JsonProperty("policy_format") String policyFormat,
    @JsonProperty("reward_version") String rewardVersion,
    @JsonProperty("cost_version") String costVersion,
    @JsonProperty("sampling") Map<String, Object> sampling,
    @JsonProperty("partitions") Integer partitions,
    @JsonProperty("batch_size") Integer batchSize,
    @JsonProperty("utility_scorers") List<String> utilityScorers,
    @JsonProperty("table") String table,
    @JsonProperty("model_delivery") @JsonInclude(JsonInclude.Include.NON_NULL) List<Map<String, Object>> modelDelivery,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public SampleRefMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }

  /** The mean of the utility {@code utility_<name>} over the samples, or null. */
  public Double meanUtility(String name) {
    return other.get("mean_utility_" + name) instanceof Number n ? n.doubleValue() : null;
  }
}
