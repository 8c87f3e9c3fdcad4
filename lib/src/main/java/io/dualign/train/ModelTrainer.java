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
 * A {@code ModelTrainer} takes AdamW steps on a {@link TrainableModel}: each step computes its
 * loss in a fresh sub-manager of the model's manager (so intermediates are freed every
 * step), back-propagates, clips the global gradient norm, and updates every parameter
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
    long t0 = System.nanoTime();
    double lossValue = backward(loss);
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

  /** Computes the loss in a per-step manager and back-propagates it; returns its value. */
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
