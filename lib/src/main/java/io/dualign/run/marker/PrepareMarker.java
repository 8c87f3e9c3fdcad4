package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code PrepareMarker} is {@code prepare/_SUCCESS.json}: pairs and prompts per split, the
 * label mix, the quarantine counts per reason and each input file's sha256.
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PrepareMarker(
    @JsonProperty(value = "input", required = true) String input,
    @JsonProperty("input_rows") Long inputRows,
    @JsonProperty(value = "pairs", required = true) Long pairs,
    @JsonProperty("pairs_by_split") Map<String, Long> pairsBySplit,
    @JsonProperty("pairs_by_source") Map<String, Long> pairsBySource,
    @JsonProperty("label_mix") Map<String, Long> labelMix,
    @JsonProperty("duplicate_pair_ids") Long duplicatePairIds,
    @JsonProperty(value = "prompts", required = true) Long prompts,
    @JsonProperty("prompts_by_split") Map<String, Long> promptsBySplit,
    @JsonProperty("prompt_set_rows") Long promptSetRows,
    @JsonProperty(value = "quarantined", required = true) Long quarantined,
    @JsonProperty("bad_fraction") Double badFraction,
    @JsonProperty("quarantined_by_reason") Map<String, Long> quarantinedByReason,
    @JsonProperty("input_files") Map<String, InputFile> inputFiles,
    @JsonProperty("seed") Long seed,
    @JsonProperty("test_fraction") Double testFraction,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public PrepareMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
