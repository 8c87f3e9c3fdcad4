package io.dualign.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.dualign.model.Scalars;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TrainingLoop} runs epochs of shuffled mini-batches of an {@link Objective} through a
 * {@link ModelTrainer}: each optimizer step takes {@code batchSize × accumulation} examples as
 * {@code accumulation} micro-batches of {@code batchSize} whose gradients add up (each weighted by
 * its share of the step's {@link Objective#weight}, so the step equals one on the whole batch),
 * logging loss and tokens per second every {@code logEvery} optimizer steps.
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

  /**
   * Optimizer steps for {@code epochs} over {@code n} examples in micro-batches of
   * {@code batchSize}, {@code accumulation} of them per step.
   */
  public static int stepsFor(int n, int batchSize, int accumulation, int epochs) {
    long perStep = (long) batchSize * accumulation;
    return Math.toIntExact(epochs * ((n + perStep - 1) / perStep));
  }

  /**
   * Trains {@code trainer}'s model on {@code train} for {@code epochs}, shuffled by {@code seed},
   * in optimizer steps of {@code accumulation} micro-batches of {@code batchSize} examples (the
   * last step of an epoch may hold fewer).
   */
  public static <E> FitResult fit(String name, ModelTrainer trainer, Objective<E> objective,
      List<E> train, int batchSize, int accumulation, int epochs, long seed, int logEvery) {
    if (train.isEmpty()) {
      throw new IllegalArgumentException(name + ": no training examples");
    }
    if (batchSize < 1 || accumulation < 1) {
      throw new IllegalArgumentException(name + ": batch size " + batchSize
          + " and gradient accumulation " + accumulation + " must be >= 1");
    }
    int perStep = Math.multiplyExact(batchSize, accumulation);
    Random rnd = new Random(seed);
    List<E> order = new ArrayList<>(train);
    long tokens = 0;
    double seconds = 0;
    double windowLoss = 0;
    int window = 0;
    double lastLoss = Double.NaN;
    int total = stepsFor(train.size(), batchSize, accumulation, epochs);
    List<Logged> history = new ArrayList<>();
    for (int epoch = 0; epoch < epochs; epoch++) {
      Collections.shuffle(order, rnd);
      for (int i = 0; i < order.size(); i += perStep) {
        List<E> batch = order.subList(i, Math.min(order.size(), i + perStep));
        StepStats s = trainer.step(microBatches(objective, batch, batchSize),
            objective.tokens(batch));
        tokens += s.tokens();
        seconds += s.seconds();
        windowLoss += s.loss();
        window++;
        if (window == logEvery || trainer.steps() == total) {
          lastLoss = windowLoss / window;
          history.add(new Logged(s.step(), lastLoss, seconds > 0 ? tokens / seconds : 0));
          LossScaler ls = trainer.lossScaler();
          LOG.info("{}: step {}/{} epoch {} loss {} grad-norm {} lr {} {} tokens/s{}", name,
              s.step(), total, epoch + 1, String.format("%.4f", lastLoss),
              String.format("%.3f", s.gradNorm()), String.format("%.2e", s.learningRate()),
              String.format("%.0f", tokens / seconds), ls.isDynamic() || ls.scale() != 1
                  ? String.format(" loss-scale %.0f, %d step(s) skipped", ls.scale(),
                  ls.skippedSteps()) : "");
          windowLoss = 0;
          window = 0;
        }
      }
    }
    return new FitResult(trainer.steps(), lastLoss, seconds > 0 ? tokens / seconds : 0, tokens,
        seconds, List.copyOf(history));
  }

  /**
   * The losses of {@code batch}'s micro-batches of {@code size}, each scaled by its share of the
   * batch's {@link Objective#weight} (equal shares when the batch weighs nothing): their sum is
   * the batch's mean loss, and so are their accumulated gradients.
   */
  static <E> List<Function<NDManager, NDArray>> microBatches(Objective<E> objective,
      List<E> batch, int size) {
    List<List<E>> parts = new ArrayList<>();
    for (int i = 0; i < batch.size(); i += size) {
      parts.add(batch.subList(i, Math.min(batch.size(), i + size)));
    }
    double[] w = new double[parts.size()];
    double total = 0;
    for (int k = 0; k < w.length; k++) {
      w[k] = objective.weight(parts.get(k));
      total += w[k];
    }
    List<Function<NDManager, NDArray>> out = new ArrayList<>();
    for (int k = 0; k < w.length; k++) {
      List<E> part = parts.get(k);
      double share = total > 0 ? w[k] / total : 1.0 / w.length;
      out.add(m -> {
        NDArray l = objective.loss(m, part, true);
        return share == 1.0 ? l : l.mul(Scalars.of(l, share));
      });
    }
    return out;
  }
}
