package io.dualign.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.AdamW;
import io.dualign.model.TrainableModel;
import java.util.List;
import java.util.function.Function;

/**
 * A {@code ModelTrainer} takes AdamW steps on a {@link TrainableModel}: each step computes the
 * loss of each of its micro-batches in a fresh sub-manager of the model's manager (so
 * intermediates are freed every micro-batch), back-propagates it (the gradients accumulate), clips the global gradient norm, and updates every parameter
 * with the learning rate of its warm-up + cosine schedule. Parameters in CPU memory are updated
 * by {@link HostAdamW} (one pass per parameter); others (a GPU) by DJL's AdamW on the engine —
 * the same update.
 */
public final class ModelTrainer {
  private final TrainableModel model;
  private final OptimizerSettings settings;
  private final AdamW adamW;
  private final HostAdamW hostAdamW; // null: DJL's AdamW on the engine
  private final List<Parameter> params;
  private int steps;

  public ModelTrainer(TrainableModel model, OptimizerSettings settings) {
    this(model, settings, true);
  }

  /** @param onHost update CPU parameters with {@link HostAdamW} (false: always the engine) */
  ModelTrainer(TrainableModel model, OptimizerSettings settings, boolean onHost) {
    this.model = model;
    this.settings = settings;
    this.adamW = AdamW.builder().optLearningRateTracker(settings.schedule())
        .optWeightDecays(settings.weightDecay()).build();
    this.params = model.trainableParameters();
    for (Parameter p : params) {
      p.getArray().setRequiresGradient(true);
    }
    this.hostAdamW = onHost && HostAdamW.supports(params, Runtime.getRuntime().maxMemory())
        ? new HostAdamW(settings.weightDecay())
        : null;
  }

  /** Whether the CPU parameters are updated by {@link HostAdamW}. */
  boolean updatesOnHost() {
    return hostAdamW != null;
  }

  public int steps() {
    return steps;
  }

  /**
   * One optimizer step.
   *
   * @param loss computes the scalar loss with arrays of the given (per-step) manager
   * @param tokens tokens in the batch, for throughput figures
   */
  public StepStats step(Function<NDManager, NDArray> loss, long tokens) {
    return step(List.of(loss), tokens);
  }

  /**
   * One optimizer step over micro-batches: each loss is computed and back-propagated in turn
   * (one micro-batch's activations in memory at a time), their gradients add up, and the step
   * uses the sum. The losses must already be weighted so that their sum is the step's loss
   * ({@link TrainingLoop#microBatches}); the sum is the loss the step reports.
   *
   * @param microLosses compute each micro-batch's weighted scalar loss with arrays of the given
   *     (per-micro-batch) manager
   * @param tokens tokens in all micro-batches, for throughput figures
   */
  public StepStats step(List<Function<NDManager, NDArray>> microLosses, long tokens) {
    if (microLosses.isEmpty()) {
      throw new IllegalArgumentException("an optimizer step needs at least one micro-batch");
    }
    long t0 = System.nanoTime();
    double lossValue = 0;
    for (Function<NDManager, NDArray> loss : microLosses) {
      lossValue += backward(loss);
    }
    if (!Double.isFinite(lossValue)) {
      throw new IllegalStateException("training diverged: loss " + lossValue + " at step "
          + (steps + 1));
    }
    double norm = gradientNorm();
    float scale = clipScale(norm);
    steps++;
    if (hostAdamW != null) {
      float lr = settings.schedule().getNewValue(steps);
      for (Parameter p : params) {
        hostAdamW.update(p, steps, lr, scale);
      }
    } else {
      for (Parameter p : params) {
        NDArray w = p.getArray();
        try (NDArray g = w.getGradient()) {
          if (scale != 1f) {
            g.muli(scale);
          }
          adamW.update(p.getId(), w, g);
          g.subi(g);
        }
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new StepStats(steps, lossValue, norm, settings.schedule().getNewValue(steps), tokens,
        seconds);
  }

  /**
   * Computes the loss in a per-micro-batch manager and back-propagates it, adding to the
   * gradients already held; returns its value.
   */
  double backward(Function<NDManager, NDArray> loss) {
    try (NDManager sm = model.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray l = loss.apply(sm);
      gc.backward(l);
      return l.getFloat();
    }
  }

  /** The factor that brings a global gradient norm {@code norm} down to the clip norm (1 if below). */
  float clipScale(double norm) {
    return settings.clipNorm() > 0 && norm > settings.clipNorm()
        ? (float) (settings.clipNorm() / (norm + 1e-6)) : 1f;
  }

  /** The global L2 norm of the current gradients. */
  double gradientNorm() {
    double sq = 0;
    for (Parameter p : params) {
      try (NDArray g = p.getArray().getGradient(); NDArray n = g.norm()) {
        double v = n.getFloat();
        sq += v * v;
      }
    }
    return Math.sqrt(sq);
  }
}
