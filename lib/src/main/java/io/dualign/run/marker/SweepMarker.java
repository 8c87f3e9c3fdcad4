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
 * A {@code SweepMarker} is {@code sweep/_SUCCESS.json}: the swept constraint and thresholds, the
 * frontier table's row count and each b's marker by folder.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SweepMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty(value = "constraint", required = true) String constraint,
    @JsonProperty(value = "thresholds", required = true) List<Double> thresholds,
    @JsonProperty("methods") List<String> methods,
    @JsonProperty("table") String table,
    @JsonProperty("table_rows") Long tableRows,
    @JsonProperty(value = "by_threshold", required = true) Map<String, SweepThresholdMarker> byThreshold,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public SweepMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
