package io.dualign.model.torchscript;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.training.tracker.WarmUpTracker;
import io.dualign.model.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code TorchScriptTrainer} trains a loaded-for-training TorchScript causal LM in place with a DJL
 * {@link Trainer}: next-token loss, global-norm gradient clipping, AdamW.
 *
 * <p>The model's own parameters are updated (DJL {@code trainParam}); {@code trainer.initialize()} is never called,
 * so the exported weights are the starting point. Each step runs in its own sub-manager of the trainer's manager.
 * Not thread-safe; close it before closing the model.
 */
public final class TorchScriptTrainer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TorchScriptTrainer.class);

  private final TorchScriptModule module;
  private final TorchScriptTrainingOptions options;
  private final Trainer trainer;
  private final List<Parameter> parameters;
  private int steps;

  TorchScriptTrainer(TorchScriptModule module, TorchScriptTrainingOptions options) {
    this.module = module;
    this.options = options;
    AdamW adamw = AdamW.builder()
        .optLearningRateTracker(schedule(options))
        .optBeta1(options.beta1())
        .optBeta2(options.beta2())
        .optEpsilon(options.epsilon())
        .optWeightDecays(options.weightDecay())
        .build();
    Device device = module.model().getNDManager().getDevice();
    DefaultTrainingConfig config = new DefaultTrainingConfig(new NextTokenLoss())
        .optOptimizer(adamw)
        .optDevices(new Device[] {device});
    this.trainer = module.model().newTrainer(config);
    this.parameters = new ArrayList<>();
    module.model().getBlock().getParameters().forEach(p -> {
      if (p.getValue().requiresGradient()) {
        parameters.add(p.getValue());
      }
    });
    if (parameters.isEmpty()) {
      throw new IllegalStateException("TorchScript model " + module.bundle().modelPath() + " has no trainable parameters");
    }
  }

  /** The learning-rate schedule: linear warm-up from 0, then cosine decay to 0 over totalSteps (or constant). */
  static Tracker schedule(TorchScriptTrainingOptions o) {
    Tracker main = o.totalSteps() > 0
        ? CosineTracker.builder().setBaseValue(o.learningRate()).optFinalValue(0f).setMaxUpdates(o.totalSteps()).build()
        : Tracker.fixed(o.learningRate());
    if (o.warmupSteps() == 0) {
      return main;
    }
    return WarmUpTracker.builder().setMainTracker(main).optWarmUpSteps(o.warmupSteps()).optWarmUpBeginValue(0f)
        .optWarmUpMode(WarmUpTracker.Mode.LINEAR).build();
  }

  /** The number of trainable parameter tensors. */
  public int parameterTensors() {
    return parameters.size();
  }

  /** Steps taken so far. */
  public int steps() {
    return steps;
  }

  /** One step on all real tokens of the batch (every token after the first is a target). */
  public TrainStep step(TokenBatch batch) {
    long[][] mask = new long[batch.rows()][];
    for (int b = 0; b < batch.rows(); b++) {
      mask[b] = TorchScriptModule.int64(batch.maskRow(b));
    }
    return step(batch, mask);
  }

  /**
   * One step: forward in training mode, next-token loss over the tokens {@code lossMask} marks (shape of the batch;
   * 1 = this token is a target), backward, clip, AdamW update.
   */
  public TrainStep step(TokenBatch batch, long[][] lossMask) {
    TokenBatch in = module.conform(batch);
    long[][] targets = rightPaddedMask(lossMask, batch, in.cols());
    long start = System.nanoTime();
    try (NDManager m = trainer.getManager().newSubManager()) {
      NDList inputs = TorchScriptModule.inputs(m, in);
      NDArray targetArr = m.create(targets);
      float lossValue;
      long tokens;
      try (GradientCollector gc = trainer.newGradientCollector()) {
        NDList out = trainer.forward(inputs);
        NDList labels = new NDList(inputs.get(0), inputs.get(1), targetArr);
        tokens = (long) SequenceMath.targetMask(inputs.get(1), targetArr).sum().getFloat();
        if (tokens == 0) {
          throw new IllegalArgumentException("the batch has no target token (loss mask and attention mask disjoint)");
        }
        NDArray loss = trainer.getLoss().evaluate(labels, out);
        lossValue = loss.getFloat();
        gc.backward(loss);
      }
      double norm = clipGradients(options.maxGradNorm());
      trainer.step();
      steps++;
      double seconds = (System.nanoTime() - start) / 1e9;
      TrainStep s = new TrainStep(steps, lossValue, norm, tokens, seconds);
      LOG.info("torchscript step {} loss {} grad_norm {} tokens/s {}", steps, lossValue, norm,
          String.format("%.1f", s.tokensPerSecond()));
      return s;
    }
  }

  /**
   * Scales all gradients so their global L2 norm is at most {@code maxNorm} (as torch's clip_grad_norm_:
   * coefficient {@code maxNorm / (norm + 1e-6)} when below 1); returns the norm before clipping.
   */
  private double clipGradients(float maxNorm) {
    double sq = 0;
    List<NDArray> grads = new ArrayList<>(parameters.size());
    try {
      for (Parameter p : parameters) {
        NDArray g = p.getArray().getGradient();
        grads.add(g);
        sq += g.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).square().sum().getDouble();
      }
      double norm = Math.sqrt(sq);
      if (!Double.isFinite(norm)) {
        throw new IllegalStateException("gradient norm is " + norm + " at step " + (steps + 1));
      }
      double coef = maxNorm / (norm + 1e-6);
      if (coef < 1.0) {
        for (NDArray g : grads) {
          g.muli((float) coef);
        }
      }
      return norm;
    } finally {
      grads.forEach(NDArray::close);
    }
  }

  @Override
  public void close() {
    trainer.close();
  }

  /**
   * A per-token mask of {@code original}'s shape, checked, and right-extended with zeros to {@code t} columns (the
   * length a fixed-length model pads the batch to).
   */
  static long[][] rightPaddedMask(long[][] mask, TokenBatch original, int t) {
    if (mask.length != original.rows()) {
      throw new IllegalArgumentException("loss mask has " + mask.length + " rows, batch has " + original.rows());
    }
    long[][] out = new long[mask.length][t];
    for (int b = 0; b < mask.length; b++) {
      if (mask[b].length != original.cols()) {
        throw new IllegalArgumentException("loss mask row " + b + " has " + mask[b].length + " entries, batch rows have "
            + original.cols());
      }
      for (int j = 0; j < mask[b].length; j++) {
        if (mask[b][j] != 0 && mask[b][j] != 1) {
          throw new IllegalArgumentException("loss mask row " + b + " holds " + mask[b][j] + "; only 0 and 1 allowed");
        }
      }
      System.arraycopy(mask[b], 0, out[b], 0, mask[b].length);
    }
    return out;
  }
}
