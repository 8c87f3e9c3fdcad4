package io.dualign.model.torchscript;

/**
 * A {@code TrainStep} is what one optimiser step of a {@link TorchScriptTrainer} measured.
 *
 * @param step the 1-based step number
 * @param loss the loss before the update
 * @param gradNorm the global gradient L2 norm before clipping
 * @param tokens the number of target tokens in the loss
 * @param seconds wall time of forward, backward and update
 */
public record TrainStep(int step, float loss, double gradNorm, long tokens, double seconds) {

  /** Target tokens per second of this step. */
  public double tokensPerSecond() {
    return seconds > 0 ? tokens / seconds : 0;
  }
}
