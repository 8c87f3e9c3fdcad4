package io.dualign.model;

import java.util.List;

/**
 * {@code SamplingParams} say how to pick each next token: {@code temperature} 0 is greedy;
 * otherwise the logits are divided by it, cut to the {@code topK} most likely tokens (0: all),
 * then to the smallest set whose probability reaches {@code topP}. Generation ends at the
 * end-of-sequence token, at any of {@code stopStrings} (cut from the text), or after
 * {@code maxNewTokens}.
 */
public record SamplingParams(double temperature, double topP, int topK, int maxNewTokens,
    List<String> stopStrings) {
  public SamplingParams {
    if (!(temperature >= 0)) {
      throw new IllegalArgumentException("temperature must be >= 0, was " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0, was " + topK);
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1, was " + maxNewTokens);
    }
    stopStrings = List.copyOf(stopStrings);
  }

  public static SamplingParams greedy(int maxNewTokens) {
    return new SamplingParams(0, 1, 0, maxNewTokens, List.of());
  }
}
