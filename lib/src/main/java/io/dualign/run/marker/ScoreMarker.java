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
 * A {@code ScoreMarker} is {@code score/_SUCCESS.json}: the scored pairs' counts, means,
 * agreement with the labels and throughput, and the scorers' versions. Per-utility figures
 * ({@code mean_utility_<name>}, {@code utility_<name>_agrees_with_safer}) are kept by name in
 * {@link #other}.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ScoreMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "pairs", required = true) Long pairs,
    @JsonProperty("scored_pairs") Long scoredPairs,
    @JsonProperty("error_pairs") Long errorPairs,
    @JsonProperty("mean_reward") Double meanReward,
    @JsonProperty("reward_agrees_with_better") Double rewardAgreesWithBetter,
    @JsonProperty("pairs_per_second") Double pairsPerSecond,
    @JsonProperty("responses_per_second") Double responsesPerSecond,
    @JsonProperty("top_errors") Map<String, Long> topErrors,
    @JsonProperty("reward_version") String rewardVersion,
    @JsonProperty("cost_version") String costVersion,
    @JsonProperty("utility_scorers") List<String> utilityScorers,
    @JsonProperty("partitions") Integer partitions,
    @JsonProperty("table") String table,
    @JsonProperty("pairs_scored") @JsonInclude(JsonInclude.Include.NON_NULL) String pairsScored,
    @JsonProperty("model_delivery") @JsonInclude(JsonInclude.Include.NON_NULL) List<Map<String, Object>> modelDelivery,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public ScoreMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
