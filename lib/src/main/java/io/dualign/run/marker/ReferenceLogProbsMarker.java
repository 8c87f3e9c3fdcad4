package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code ReferenceLogProbsMarker} is {@code align/reference/_SUCCESS.json}: π_ref's
 * log-probabilities of the train pairs, computed once per run.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReferenceLogProbsMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "pairs", required = true) Long pairs,
    @JsonProperty("reference_model") String referenceModel,
    @JsonProperty(value = "reference_version", required = true) String referenceVersion,
    @JsonProperty("reference_format") String referenceFormat,
    @JsonProperty("compute_seconds") Double computeSeconds,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public ReferenceLogProbsMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
