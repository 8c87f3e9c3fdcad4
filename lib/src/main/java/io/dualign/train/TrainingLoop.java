package io.dualign.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TrainingLoop} runs epochs of shuffled mini-batches of an {@link Objective} through a
 * {@link ModelTrainer}, logging loss and tokens per second every {@code logEvery} steps.
 */
public final class TrainingLoop {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

  private TrainingLoop() {}

  /** What a fit did: steps, the mean loss of its last logged window, throughput, time. */
  public record FitResult(int steps, double lastLoss, double tokensPerSecond, long tokens,
      double seconds) {}

  /** Optimizer steps for {@code epochs} over {@code n} examples in batches of {@code batchSize}. */
  public static int stepsFor(int n, int batchSize, int epochs) {
    return epochs * ((n + batchSize - 1) / batchSize);
  }

  public static <E> FitResult fit(String name, ModelTrainer trainer, Objective<E> objective,
      List<E> train, int batchSize, int epochs, long seed, int logEvery) {
    if (train.isEmpty()) {
      throw new IllegalArgumentException(name + ": no training examples");
    }
    Random rnd = new Random(seed);
    List<E> order = new ArrayList<>(train);
    long tokens = 0;
    double seconds = 0;
    double windowLoss = 0;
    int window = 0;
    double lastLoss = Double.NaN;
    int total = stepsFor(train.size(), batchSize, epochs);
    for (int epoch = 0; epoch < epochs; epoch++) {
      Collections.shuffle(order, rnd);
      for (int i = 0; i < order.size(); i += batchSize) {
        List<E> batch = order.subList(i, Math.min(order.size(), i + batchSize));
        StepStats s = trainer.step(m -> objective.loss(m, batch, true), objective.tokens(batch));
        tokens += s.tokens();
        seconds += s.seconds();
        windowLoss += s.loss();
        window++;
        if (window == logEvery || trainer.steps() == total) {
          lastLoss = windowLoss / window;
          LOG.info("{}: step {}/{} epoch {} loss {} grad-norm {} lr {} {} tokens/s", name,
              s.step(), total, epoch + 1, String.format("%.4f", lastLoss),
              String.format("%.3f", s.gradNorm()), String.format("%.2e", s.learningRate()),
              String.format("%.0f", tokens / seconds));
          windowLoss = 0;
          window = 0;
        }
      }
    }
    return new FitResult(trainer.steps(), lastLoss, seconds > 0 ? tokens / seconds : 0, tokens,
        seconds);
  }
}
