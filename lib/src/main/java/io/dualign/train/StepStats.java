package io.dualign.train;

/**
 * {@code StepStats} describe one optimizer step: its loss, the global gradient norm before
 * clipping (NaN for a skipped step), the learning rate of the schedule, the tokens it processed,
 * how long it took, and whether it was skipped (its gradients overflowed under dynamic loss
 * scaling; the weights did not change).
 */
public record StepStats(int step, double loss, double gradNorm, double learningRate, long tokens,
    double seconds, boolean skipped) {
  public double tokensPerSecond() {
    return seconds > 0 ? tokens / seconds : 0;
  }
}
