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
 * A {@code SweepThresholdMarker} is {@code sweep/b=<b>/_SUCCESS.json}: one threshold b's λ*, the
 * final λ of CAID and Safe RLHF (null when not run) and the policies' figures of its evaluate.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SweepThresholdMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "b", required = true) Double b,
    @JsonProperty(value = "constraint", required = true) String constraint,
    @JsonProperty(value = "lambda_star", required = true) Double lambdaStar,
    @JsonProperty(value = "caid_final_lambda", required = true) Double caidFinalLambda,
    @JsonProperty(value = "safe_rlhf_final_lambda", required = true) Double safeRlhfFinalLambda,
    @JsonProperty("methods") List<String> methods,
    @JsonProperty(value = "policies", required = true) Map<String, PolicyFigures> policies,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public SweepThresholdMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
