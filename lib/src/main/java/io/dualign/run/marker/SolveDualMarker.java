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
 * A {@code SolveDualMarker} is {@code solve-dual/_SUCCESS.json}: the one-shot λ* by constraint
 * with the dual value, the predicted slack ∇D(λ*), how the solver stopped and the sample counts.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SolveDualMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty("input") String input,
    @JsonProperty(value = "lambda", required = true) Map<String, Double> lambda,
    @JsonProperty("dual_value") Double dualValue,
    @JsonProperty(value = "predicted_slack", required = true) Map<String, Double> predictedSlack,
    @JsonProperty("at_cap") Map<String, Boolean> atCap,
    @JsonProperty("iterations") Integer iterations,
    @JsonProperty("evaluations") Integer evaluations,
    @JsonProperty(value = "converged", required = true) Boolean converged,
    @JsonProperty("stop_reason") String stopReason,
    @JsonProperty("hessian") List<List<Double>> hessian,
    @JsonProperty("newton_eta") Double newtonEta,
    @JsonProperty("method") String method,
    @JsonProperty("tolerance") Double tolerance,
    @JsonProperty("max_iterations") Integer maxIterations,
    @JsonProperty("beta") Double beta,
    @JsonProperty("constraints") List<Map<String, Object>> constraints,
    @JsonProperty("counts") Map<String, Long> counts,
    @JsonProperty("weighted_samples") Boolean weightedSamples,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public SolveDualMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
