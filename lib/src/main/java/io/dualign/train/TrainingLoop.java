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

  /**
   * What a fit did: steps, the mean loss of its last logged window, throughput, time, and every
   * logged window (its last step, mean loss and tokens/s so far), in order.
   */
  public record FitResult(int steps, double lastLoss, double tokensPerSecond, long tokens,
      double seconds, List<Logged> history) {
    /** The figures of a fit for its stage's marker, {@code loss_history} included. */
    public java.util.Map<String, Object> figures() {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("steps", steps);
      m.put("final_train_loss", lastLoss);
      m.put("train_tokens", tokens);
      m.put("train_seconds", seconds);
      m.put("train_tokens_per_second", tokensPerSecond);
      m.put("loss_history", history.stream().map(Logged::toMap).toList());
      return m;
    }
  }

  /** One logged window: the step it ends at, its mean loss, the tokens/s of the fit so far. */
  public record Logged(int step, double loss, double tokensPerSecond) {
    public java.util.Map<String, Object> toMap() {
      java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("step", step);
      m.put("loss", loss);
      m.put("tokens_per_second", tokensPerSecond);
      return m;
    }
  }

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
    List<Logged> history = new ArrayList<>();
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
          history.add(new Logged(s.step(), lastLoss, seconds > 0 ? tokens / seconds : 0));
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
        seconds, List.copyOf(history));
  }
}
