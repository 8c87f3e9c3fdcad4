package io.dualign.train;

/**
 * {@code OptimizerSettings} are the AdamW settings of one training run: peak learning rate, the
 * warm-up and total number of steps of its {@link WarmupCosineSchedule} (decaying to 10% of the
 * peak), decoupled weight decay, and the global gradient-norm clip (0: none).
 */
public record OptimizerSettings(float learningRate, int warmupSteps, int totalSteps,
    float weightDecay, float clipNorm) {
  public OptimizerSettings {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0, was " + learningRate);
    }
    if (weightDecay < 0 || clipNorm < 0) {
      throw new IllegalArgumentException("weight decay and clip norm must be >= 0, were "
          + weightDecay + " and " + clipNorm);
    }
  }

  public WarmupCosineSchedule schedule() {
    return new WarmupCosineSchedule(learningRate, learningRate / 10, Math.min(warmupSteps,
        totalSteps), totalSteps);
  }
}
