package io.dualign.train;

/**
 * {@code OptimizerSettings} are the AdamW settings of one training run: peak learning rate, the
 * warm-up and total number of steps of its {@link WarmupCosineSchedule} (decaying to 10% of the
 * peak), decoupled weight decay, the global gradient-norm clip (0: none), and the loss scaling of
 * float16 training ({@code train.lossScale}: {@code dynamic}, {@code none} or a number; see
 * {@link LossScaler#forTraining}).
 */
public record OptimizerSettings(float learningRate, int warmupSteps, int totalSteps,
    float weightDecay, float clipNorm, String lossScale) {
  public OptimizerSettings {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0, was " + learningRate);
    }
    if (weightDecay < 0 || clipNorm < 0) {
      throw new IllegalArgumentException("weight decay and clip norm must be >= 0, were "
          + weightDecay + " and " + clipNorm);
    }
    LossScaler.parse(lossScale); // refuses a bad setting here, naming it
  }

  /** The settings with dynamic loss scaling (used only when training is float16). */
  public OptimizerSettings(float learningRate, int warmupSteps, int totalSteps,
      float weightDecay, float clipNorm) {
    this(learningRate, warmupSteps, totalSteps, weightDecay, clipNorm, "dynamic");
  }

  public WarmupCosineSchedule schedule() {
    return new WarmupCosineSchedule(learningRate, learningRate / 10, Math.min(warmupSteps,
        totalSteps), totalSteps);
  }
}
