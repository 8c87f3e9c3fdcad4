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
 * A {@code SweepSummaryMarker} is {@code sweep/summary/_SUCCESS.json}: the frontier table's rows
 * and the thresholds it holds.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SweepSummaryMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "rows", required = true) Long rows,
    @JsonProperty(value = "thresholds", required = true) List<Double> thresholds,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public SweepSummaryMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
