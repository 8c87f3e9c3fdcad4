package io.dualign.train;

/**
 * {@code StepStats} describe one optimizer step: its loss, the global gradient norm before
 * clipping, the learning rate used, the tokens it processed and how long it took.
 */
public record StepStats(int step, double loss, double gradNorm, double learningRate, long tokens,
    double seconds) {
  public double tokensPerSecond() {
    return seconds > 0 ? tokens / seconds : 0;
  }
}
