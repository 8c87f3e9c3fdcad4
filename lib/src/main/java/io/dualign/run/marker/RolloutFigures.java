package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A {@code RolloutFigures} is the throughput of an align iteration's rollouts of θ(t), as its
 * marker records it in {@code rollout}: prompts × samples, the rows and response tokens written,
 * the seconds it took and the rates (null when it took no measurable time).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RolloutFigures(
    @JsonProperty("prompts") Integer prompts,
    @JsonProperty("samples_per_prompt") Integer samplesPerPrompt,
    @JsonProperty("rows") Long rows,
    @JsonProperty("response_tokens") Long responseTokens,
    @JsonProperty("seconds") Double seconds,
    @JsonProperty("samples_per_second") Double samplesPerSecond,
    @JsonProperty("tokens_per_second") Double tokensPerSecond) {}
