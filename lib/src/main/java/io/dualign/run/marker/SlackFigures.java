package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.SlackEstimate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code SlackFigures} is one constraint's slack estimate û as a marker records it: û with its
 * standard error, 95% bounds and the moments it came from (null where a sample was empty). The
 * {@code reference_*} fields are present for a relative constraint only ({@code reference_n}
 * is then set), {@code reference_mean} as null when the reference mean is not finite.
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
    @JsonProperty(value = "reference_mean", access = JsonProperty.Access.WRITE_ONLY)
    Double referenceMean,
    @JsonProperty("reference_n") @JsonInclude(JsonInclude.Include.NON_NULL) Long referenceN,
    @JsonProperty("reference_non_finite") @JsonInclude(JsonInclude.Include.NON_NULL)
    Long referenceNonFinite,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) {
  public SlackFigures {
    other = other == null ? new LinkedHashMap<>() : other;
  }

  /**
   * {@code reference_mean} as written: absent for an absolute constraint (no
   * {@code reference_n}), else the mean or null.
   */
  @JsonProperty("reference_mean")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  JsonNode referenceMeanAsWritten() {
    if (referenceN == null) {
      return null;
    }
    return referenceMean == null ? NullNode.getInstance() : DoubleNode.valueOf(referenceMean);
  }

  /** The figures of {@code e} (non-finite values as null: JSON has no NaN). */
  public static SlackFigures of(SlackEstimate e) {
    boolean rel = e.relative();
    return new SlackFigures(e.constraint().name(), e.constraint().form().configName(),
        e.constraint().threshold(), finite(e.slack()), finite(e.standardError()),
        finite(e.lower95()), finite(e.upper95()), e.policy().count(), e.policy().nonFinite(),
        finite(e.policy().mean()), rel ? finite(e.reference().mean()) : null,
        rel ? e.reference().count() : null, rel ? e.reference().nonFinite() : null, null);
  }

  /** The figures of each constraint of {@code e}, in its order. */
  public static List<SlackFigures> of(ConstraintEstimate e) {
    return e.slacks().stream().map(SlackFigures::of).toList();
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
