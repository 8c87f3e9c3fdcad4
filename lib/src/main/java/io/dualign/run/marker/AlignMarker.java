package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An {@code AlignMarker} is {@code align/_SUCCESS.json}, written when every configured method is
 * committed: each method's marker by name.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AlignMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "methods", required = true) Map<String, AlignMethodMarker> methods,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public AlignMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
