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
 * loss in a fresh sub-manager of the model's manager (so intermediates are freed every step;
 * PLATFORM.md), back-propagates, clips the global gradient norm, and updates every parameter
 * with DJL's AdamW at the learning rate of its warm-up + cosine schedule.
 */
public final class ModelTrainer {
  private final TrainableModel model;
  private final OptimizerSettings settings;
  private final AdamW adamW;
  private final List<Parameter> params;
  private int steps;

  public ModelTrainer(TrainableModel model, OptimizerSettings settings) {
    this.model = model;
    this.settings = settings;
    this.adamW = AdamW.builder().optLearningRateTracker(settings.schedule())
        .optWeightDecays(settings.weightDecay()).build();
    this.params = model.trainableParameters();
    for (Parameter p : params) {
      p.getArray().setRequiresGradient(true);
    }
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
    double norm = clipGradients();
    steps++;
    for (Parameter p : params) {
      NDArray w = p.getArray();
      try (NDArray g = w.getGradient()) {
        adamW.update(p.getId(), w, g);
        g.subi(g);
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

  /** Scales all gradients so their global L2 norm is at most the clip norm; returns the norm before. */
  double clipGradients() {
    double norm = gradientNorm();
    if (settings.clipNorm() > 0 && norm > settings.clipNorm()) {
      float scale = (float) (settings.clipNorm() / (norm + 1e-6));
      for (Parameter p : params) {
        try (NDArray g = p.getArray().getGradient()) {
          g.muli(scale);
        }
      }
    }
    return norm;
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
