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
 * A {@code ReportMarker} is {@code report/_SUCCESS.json}: the page, the charts drawn with their
 * points per series, the sections omitted and why, and the sweep thresholds drawn (null without
 * a sweep).
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReportMarker(
    @JsonProperty(value = "run_id", required = true) String runId,
    @JsonProperty("page") String page,
    @JsonProperty("charts") List<String> charts,
    @JsonProperty("omitted") List<String> omitted,
    @JsonProperty("chart_points") Map<String, Object> chartPoints,
    @JsonProperty(value = "sweep_thresholds", required = true) List<Double> sweepThresholds,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public ReportMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
