package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code SlackFigures} is one constraint's slack estimate û as a marker records it: û with its
 * standard error, 95% bounds and the moments it came from (null where a sample was empty). The
 * {@code reference_*} fields are present for a relative constraint only.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SlackFigures(
    @JsonProperty(value = "constraint", required = true) String constraint,
    @JsonProperty("form") String form,
    @JsonProperty("threshold") Double threshold,
    @JsonProperty(value = "slack", required = true) Double slack,
    @JsonProperty("stderr") Double stderr,
    @JsonProperty("lower95") Double lower95,
    @JsonProperty("upper95") Double upper95,
    @JsonProperty("n") Long n,
    @JsonProperty("non_finite") Long nonFinite,
    @JsonProperty("mean") Double mean,
    @JsonProperty("reference_mean") @JsonInclude(JsonInclude.Include.NON_NULL)
    Double referenceMean,
    @JsonProperty("reference_n") @JsonInclude(JsonInclude.Include.NON_NULL) Long referenceN,
    @JsonProperty("reference_non_finite") @JsonInclude(JsonInclude.Include.NON_NULL)
    Long referenceNonFinite,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) {
  public SlackFigures {
    other = other == null ? new LinkedHashMap<>() : other;
  }
}
