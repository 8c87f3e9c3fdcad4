package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code EvaluateMarker} is {@code evaluate/_SUCCESS.json}: the evaluation settings and, per
 * policy, its headline figures against π_ref.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record EvaluateMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "prompts", required = true) Long prompts,
    @JsonProperty("samples_per_prompt") Integer samplesPerPrompt,
    @JsonProperty("gold_scores") Boolean goldScores,
    @JsonProperty("bootstrap_samples") Integer bootstrapSamples,
    @JsonProperty("extra_prompts") String extraPrompts,
    @JsonProperty(value = "policies", required = true) Map<String, PolicyFigures> policies,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public EvaluateMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
