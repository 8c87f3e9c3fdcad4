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
 * An {@code AlignMethodMarker} is {@code align/<method>/_SUCCESS.json}, written when all T
 * iterations are committed: the λ trajectory, the estimates per iteration, the final λ, DPO
 * figures and model.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AlignMethodMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "method", required = true) String method,
    @JsonProperty(value = "iterations", required = true) Integer iterations,
    @JsonProperty(value = "lambda_trajectory", required = true) List<Map<String, Double>> lambdaTrajectory,
    @JsonProperty(value = "estimates", required = true) List<List<SlackFigures>> estimates,
    @JsonProperty(value = "final_lambda", required = true) Map<String, Double> finalLambda,
    @JsonProperty("final_dpo") Map<String, Object> finalDpo,
    @JsonProperty(value = "final_model", required = true) String finalModel,
    @JsonProperty("beta") Double beta,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public AlignMethodMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
