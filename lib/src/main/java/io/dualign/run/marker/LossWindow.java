package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A {@code LossWindow} is one logged window of training steps in a marker's
 * {@code loss_history}: the last step, the window's mean loss and the throughput so far.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record LossWindow(
    @JsonProperty("step") long step,
    @JsonProperty("loss") Double loss,
    @JsonProperty("tokens_per_second") Double tokensPerSecond) {}
