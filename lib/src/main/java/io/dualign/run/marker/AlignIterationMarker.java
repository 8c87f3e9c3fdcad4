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
 * An {@code AlignIterationMarker} is {@code align/<method>/iteration-<t>/_SUCCESS.json}: λ(t),
 * the slack estimate û of θ(t)'s rollouts (null without dual steps), λ(t+1), the DPO epoch's
 * figures and the rollout throughput. Resume continues from the last one's {@code next_lambda}.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AlignIterationMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "method", required = true) String method,
    @JsonProperty(value = "iteration", required = true) Integer iteration,
    @JsonProperty(value = "lambda", required = true) Map<String, Double> lambda,
    @JsonProperty(value = "estimate", required = true) List<SlackFigures> estimate,
    @JsonProperty(value = "next_lambda", required = true) Map<String, Double> nextLambda,
    @JsonProperty("dual_update") String dualUpdate,
    @JsonProperty("relabel_seconds") Double relabelSeconds,
    @JsonProperty(value = "dpo", required = true) Map<String, Object> dpo,
    @JsonProperty("previous_model") String previousModel,
    @JsonProperty("device") @JsonInclude(JsonInclude.Include.NON_NULL) TaskDevice device,
    @JsonProperty("rollout") @JsonInclude(JsonInclude.Include.NON_NULL) RolloutFigures rollout,
    @JsonProperty(value = "model", required = true) String model,
    @JsonProperty("pairs") String pairs,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public AlignIterationMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }

  /** The slack estimate of constraint {@code name}, or null. */
  public SlackFigures estimateOf(String name) {
    if (estimate == null) {
      return null;
    }
    return estimate.stream().filter(e -> name.equals(e.constraint())).findFirst().orElse(null);
  }
}
