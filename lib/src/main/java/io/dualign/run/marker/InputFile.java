package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An {@code InputFile} is one input file in the prepare marker's {@code input_files} (keyed by
 * its URI): its line count and the sha256 of its bytes, which a resumed run compares.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record InputFile(
    @JsonProperty("lines") Long lines,
    @JsonProperty("sha256") String sha256) {}
