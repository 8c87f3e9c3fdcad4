package io.dualign.dual;

/**
 * {@code PromptSamples} are the scored samples of one prompt held in memory: reward r_k,
 * utilities g_k (one per constraint) and weight p_k of each sample k (1 for draws from π_ref;
 * π_ref(y_k|x) for an enumerated candidate set).
 */
public record PromptSamples(String promptId, double[] reward, double[][] utility,
    double[] weight) {
  public PromptSamples {
    if (reward.length == 0 || utility.length != reward.length || weight.length != reward.length) {
      throw new IllegalArgumentException("prompt " + promptId + ": " + reward.length
          + " rewards, " + utility.length + " utility rows and " + weight.length
          + " weights must be equally many (and at least one)");
    }
  }

  /** Samples drawn from π_ref, each of weight 1. */
  public static PromptSamples unweighted(String promptId, double[] reward, double[][] utility) {
    double[] w = new double[reward.length];
    java.util.Arrays.fill(w, 1.0);
    return new PromptSamples(promptId, reward, utility, w);
  }

  public int size() {
    return reward.length;
  }
}
