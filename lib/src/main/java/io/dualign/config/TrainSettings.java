package io.dualign.config;

import com.typesafe.config.Config;
import java.io.Serializable;

/**
 * {@code TrainSettings} are the settings of the {@code train} section: the micro-batch size and
 * how many micro-batches accumulate into one optimizer step, optimizer,
 * schedule, clipping, logging, the score regulariser, epochs and peak learning rate of each
 * training stage, the loss scaling of float16 training, and the LoRA adapter.
 */
public record TrainSettings(int batchSize, int gradAccumulation, int warmupSteps, double weightDecay,
    double gradClipNorm, int logEverySteps, double scoreRegulariser, long maxTrainPairs,
    int sftEpochs, double sftLearningRate, int rewardEpochs, double rewardLearningRate,
    int costEpochs, double costLearningRate, String lossScale, Lora lora)
    implements Serializable {
  public TrainSettings {
    String v = lossScale.trim();
    boolean number;
    try {
      double d = Double.parseDouble(v);
      number = d > 0 && !Double.isInfinite(d);
    } catch (NumberFormatException e) {
      number = false;
    }
    if (!number && !v.equals("dynamic") && !v.equals("none")) {
      throw new ConfigError("train.lossScale: '" + lossScale + "' is not dynamic, none or a "
          + "number > 0");
    }
  }

  /**
   * The {@code train.lora} section: rank {@code r} (0: full fine-tuning), {@code alpha},
   * {@code dropout} and the target projections.
   */
  public record Lora(int r, double alpha, double dropout, java.util.List<String> targetModules)
      implements Serializable {
    public Lora {
      targetModules = java.util.List.copyOf(targetModules);
      for (String m : targetModules) {
        if (!java.util.Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj").contains(m)) {
          throw new ConfigError("train.lora.targetModules: '" + m + "' is not one of q_proj, "
              + "k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
        }
      }
      if (targetModules.isEmpty()) {
        throw new ConfigError("train.lora.targetModules is empty");
      }
    }

    /** Whether an adapter trains instead of every parameter. */
    public boolean enabled() {
      return r > 0;
    }

    static Lora from(Config c) {
      return new Lora(c.getInt("train.lora.r"), c.getDouble("train.lora.alpha"),
          c.getDouble("train.lora.dropout"), java.util.Arrays.stream(
              c.getString("train.lora.targetModules").split(",")).map(String::trim)
              .filter(m -> !m.isEmpty()).toList());
    }
  }

  static TrainSettings from(Config c) {
    return new TrainSettings(c.getInt("train.batchSize"), c.getInt("train.gradAccumulation"),
        c.getInt("train.warmupSteps"),
        c.getDouble("train.weightDecay"), c.getDouble("train.gradClipNorm"),
        c.getInt("train.logEverySteps"), c.getDouble("train.scoreRegulariser"),
        c.getLong("train.maxTrainPairs"), c.getInt("train.sftEpochs"),
        c.getDouble("train.sftLearningRate"), c.getInt("train.rewardEpochs"),
        c.getDouble("train.rewardLearningRate"), c.getInt("train.costEpochs"),
        c.getDouble("train.costLearningRate"), c.getString("train.lossScale"), Lora.from(c));
  }
}
