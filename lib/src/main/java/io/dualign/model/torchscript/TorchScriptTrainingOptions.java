package io.dualign.model.torchscript;

/**
 * {@code TorchScriptTrainingOptions} are the optimiser settings of a {@link TorchScriptTrainer}: DJL's AdamW with
 * linear warm-up then cosine decay, and global-norm gradient clipping.
 *
 * @param learningRate peak learning rate, &gt; 0
 * @param weightDecay decoupled weight decay, &ge; 0
 * @param beta1 AdamW first-moment decay, in [0, 1)
 * @param beta2 AdamW second-moment decay, in [0, 1)
 * @param epsilon AdamW epsilon, &gt; 0 (DJL adds it to sqrt(v) before bias correction of the step)
 * @param maxGradNorm clip the global gradient L2 norm to this, &gt; 0; {@code Float.POSITIVE_INFINITY} disables
 * @param warmupSteps linear warm-up steps from 0, &ge; 0
 * @param totalSteps steps of the cosine decay to 0 after warm-up; 0 keeps the rate constant after warm-up
 */
public record TorchScriptTrainingOptions(float learningRate, float weightDecay, float beta1, float beta2,
    float epsilon, float maxGradNorm, int warmupSteps, int totalSteps) {

  public TorchScriptTrainingOptions {
    check(learningRate > 0 && Float.isFinite(learningRate), "learning rate must be > 0", learningRate);
    check(weightDecay >= 0 && Float.isFinite(weightDecay), "weight decay must be >= 0", weightDecay);
    check(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1)", beta1);
    check(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1)", beta2);
    check(epsilon > 0, "epsilon must be > 0", epsilon);
    check(maxGradNorm > 0, "max grad norm must be > 0", maxGradNorm);
    check(warmupSteps >= 0, "warm-up steps must be >= 0", warmupSteps);
    check(totalSteps >= 0, "total steps must be >= 0", totalSteps);
  }

  /** AdamW at a constant {@code learningRate}, weight decay 0.01, betas 0.9/0.999, eps 1e-8, clipping at 1.0. */
  public static TorchScriptTrainingOptions constant(float learningRate) {
    return new TorchScriptTrainingOptions(learningRate, 0.01f, 0.9f, 0.999f, 1e-8f, 1.0f, 0, 0);
  }

  private static void check(boolean ok, String what, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(what + ", was " + value);
    }
  }
}
