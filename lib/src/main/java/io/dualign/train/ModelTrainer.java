package io.dualign.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.AdamW;
import io.dualign.model.Scalars;
import io.dualign.model.TrainableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A {@code ModelTrainer} takes AdamW steps on a {@link TrainableModel}: each step computes the
 * loss of each of its micro-batches in a fresh sub-manager of the model's manager (so
 * intermediates are freed every micro-batch), back-propagates it (the gradients accumulate),
 * clips the global gradient norm, and updates every parameter with the learning rate of its
 * warm-up + cosine schedule. Parameters in CPU memory are updated by {@link HostAdamW} (one pass
 * per parameter); others (a GPU) by DJL's AdamW on the engine — the same update.
 *
 * <p>Mixed precision: a float16 trainable parameter (full fine-tuning of a float16 model
 * computing in float16, on a GPU) gets a float32 master copy; the optimizer (its moments float32 too) updates the master from the
 * float16 gradient cast to float32, and the master is rounded down into the float16 weight after
 * every step, so updates smaller than a float16 step accumulate instead of being lost. A LoRA
 * adapter is float32 already and needs none. On a CPU the computation is float32 and float16
 * weights are cast with DJL's {@code toType}, which carries no gradient: full fine-tuning of
 * float16 weights is refused there (LoRA on a float16 base trains). When the trainable weights or the computation
 * ({@link TrainableModel#computeType}) are float16, the loss is scaled by a {@link LossScaler}
 * ({@code train.lossScale}): gradients are unscaled before clipping and the step, and a dynamic
 * scaler skips a step whose gradients overflowed.
 */
public final class ModelTrainer {
  private final TrainableModel model;
  private final OptimizerSettings settings;
  private final AdamW adamW;
  private final HostAdamW hostAdamW; // null: DJL's AdamW on the engine
  private final List<Parameter> params;
  private final List<NDArray> masters; // per parameter: its float32 master copy, or null
  private final LossScaler scaler;
  private int steps;
  private int updates;

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
    this.masters = new ArrayList<>();
    List<NDArray> updated = new ArrayList<>();
    boolean float16 = model.computeType() == DataType.FLOAT16;
    for (Parameter p : params) {
      NDArray w = p.getArray();
      w.setRequiresGradient(true);
      NDArray master = null;
      if (w.getDataType() != DataType.FLOAT32) {
        if (w.getDataType() != DataType.FLOAT16) {
          throw new IllegalArgumentException("parameter " + p.getName() + " is "
              + w.getDataType() + "; training takes float32 or float16 weights");
        }
        if (model.computeType() != DataType.FLOAT16) {
          throw new IllegalArgumentException("parameter " + p.getName() + " is float16 but the "
              + "model computes in " + model.computeType() + " (a CPU): its weights are cast "
              + "with DJL 0.36's toType, which carries no gradient back to them, so full "
              + "fine-tuning of float16 weights needs float16 computation (a GPU); on a CPU "
              + "load model.dtype = float32 or train a LoRA adapter (train.lora.r > 0) on the "
              + "float16 base");
        }
        float16 = true;
        master = w.toType(DataType.FLOAT32, true); // in the weight's manager: lives as long
      }
      masters.add(master);
      updated.add(master != null ? master : w);
    }
    this.scaler = LossScaler.forTraining(settings.lossScale(), float16);
    this.hostAdamW = onHost && HostAdamW.supports(updated, Runtime.getRuntime().maxMemory())
        ? new HostAdamW(settings.weightDecay())
        : null;
  }

  /** Whether the CPU parameters are updated by {@link HostAdamW}. */
  boolean updatesOnHost() {
    return hostAdamW != null;
  }

  /** How many trainable parameters have a float32 master copy (the float16 ones). */
  public int masterCopies() {
    return (int) masters.stream().filter(m -> m != null).count();
  }

  /**
   * The float32 master copy of the {@code i}-th trainable parameter (in
   * {@link TrainableModel#trainableParameters} order), or null when the parameter is float32.
   */
  public NDArray master(int i) {
    return masters.get(i);
  }

  /** The loss scaler (S = 1 and fixed in float32 training). */
  public LossScaler lossScaler() {
    return scaler;
  }

  /** Optimizer steps taken or skipped (what the schedule counts). */
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
   * ({@link TrainingLoop#microBatches}); the sum is the loss the step reports. A step whose
   * gradients overflowed under dynamic loss scaling is skipped (reported with
   * {@link StepStats#skipped}; the schedule still counts it, as Hugging Face's Trainer does).
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
    double lossScale = scaler.scale();
    double lossValue = 0;
    for (Function<NDManager, NDArray> loss : microLosses) {
      lossValue += backward(loss, lossScale);
    }
    if (!Double.isFinite(lossValue)) {
      throw new IllegalStateException("training diverged: loss " + lossValue + " at step "
          + (steps + 1));
    }
    double scaledNorm = gradientNorm();
    boolean finite = Double.isFinite(scaledNorm);
    steps++;
    float lr = settings.schedule().getNewValue(steps);
    if (!scaler.update(finite)) {
      if (!scaler.isDynamic()) {
        throw new IllegalStateException("training diverged: gradient norm " + scaledNorm / lossScale
            + " at step " + steps + (lossScale != 1 ? " (loss scale " + lossScale + ")" : ""));
      }
      zeroGradients();
      return new StepStats(steps, lossValue, Double.NaN, lr, tokens,
          (System.nanoTime() - t0) / 1e9, true);
    }
    double norm = scaledNorm / lossScale;
    float scale = (float) (clipScale(norm) / lossScale); // unscale and clip in one factor
    updates++;
    for (int i = 0; i < params.size(); i++) {
      update(params.get(i), masters.get(i), lr, scale);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new StepStats(steps, lossValue, norm, lr, tokens, seconds, false);
  }

  /**
   * The AdamW step of one parameter from its gradient times {@code scale}: on its float32
   * weights, or on its float32 master copy, rounded down into its float16 weights afterwards.
   */
  private void update(Parameter p, NDArray master, float lr, float scale) {
    NDArray w = p.getArray();
    if (master == null) {
      if (hostAdamW != null) {
        hostAdamW.update(p, updates, lr, scale);
        return;
      }
      try (NDArray g = w.getGradient()) {
        if (scale != 1f) {
          g.muli(scale);
        }
        adamW.update(p.getId(), w, g);
        g.subi(g);
      }
      return;
    }
    try (NDArray g16 = w.getGradient(); NDArray g = g16.toType(DataType.FLOAT32, true)) {
      if (hostAdamW != null) {
        hostAdamW.update(p.getId(), p.getName(), master, g, updates, lr, scale);
      } else {
        if (scale != 1f) {
          g.muli(scale);
        }
        adamW.update(p.getId(), master, g);
      }
      try (NDArray down = master.toType(DataType.FLOAT16, true)) {
        down.copyTo(w);
      }
    }
    zeroGradient(w);
  }

  /** Zeroes every gradient (also infinite or NaN ones, which {@code g − g} would not). */
  private void zeroGradients() {
    for (Parameter p : params) {
      zeroGradient(p.getArray());
    }
  }

  private static void zeroGradient(NDArray w) {
    JniUtils.zeroGrad((PtNDArray) w);
  }

  /** Back-propagates the loss unscaled ({@code lossScale} 1); returns its value. */
  double backward(Function<NDManager, NDArray> loss) {
    return backward(loss, 1);
  }

  /**
   * Computes the loss in a per-micro-batch manager and back-propagates it times
   * {@code lossScale}, adding to the gradients already held; returns the loss's (unscaled) value.
   */
  double backward(Function<NDManager, NDArray> loss, double lossScale) {
    try (NDManager sm = model.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray l = loss.apply(sm);
      if (l.getDataType() != DataType.FLOAT32) {
        // a float16 loss is scaled in float32 (S = 2^16 is not finite in float16); the product
        // with a float32 one promotes it on the gradient path, which DJL's toType would cut
        l = l.mul(sm.ones(new ai.djl.ndarray.types.Shape(1), DataType.FLOAT32)).reshape();
      }
      gc.backward(lossScale == 1 ? l : l.mul(Scalars.of(l, lossScale)));
      return l.getFloat();
    }
  }

  /** The factor that brings a global gradient norm {@code norm} down to the clip norm (1 if below). */
  float clipScale(double norm) {
    return settings.clipNorm() > 0 && norm > settings.clipNorm()
        ? (float) (settings.clipNorm() / (norm + 1e-6)) : 1f;
  }

  /**
   * The global L2 norm of the current gradients (scaled by the loss scale when there is one),
   * computed in float32: a float16 norm would overflow at 65504. Infinite or NaN when a gradient
   * is.
   */
  double gradientNorm() {
    double sq = 0;
    for (Parameter p : params) {
      try (NDArray g = p.getArray().getGradient();
          NDArray g32 = g.getDataType() == DataType.FLOAT32 ? null
              : g.toType(DataType.FLOAT32, true);
          NDArray n = (g32 == null ? g : g32).norm()) {
        double v = n.getFloat();
        sq += v * v;
      }
    }
    return Math.sqrt(sq);
  }
}
