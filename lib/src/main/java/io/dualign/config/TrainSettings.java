package io.dualign.config;

import com.typesafe.config.Config;
import java.io.Serializable;

/**
 * {@code TrainSettings} are the settings of the {@code train} section: batch size, optimizer,
 * schedule, clipping, logging, the score regulariser, and epochs and peak learning rate of each
 * training stage.
 */
public record TrainSettings(int batchSize, int warmupSteps, double weightDecay,
    double gradClipNorm, int logEverySteps, double scoreRegulariser, long maxTrainPairs,
    int sftEpochs, double sftLearningRate, int rewardEpochs, double rewardLearningRate,
    int costEpochs, double costLearningRate) implements Serializable {
  static TrainSettings from(Config c) {
    return new TrainSettings(c.getInt("train.batchSize"), c.getInt("train.warmupSteps"),
        c.getDouble("train.weightDecay"), c.getDouble("train.gradClipNorm"),
        c.getInt("train.logEverySteps"), c.getDouble("train.scoreRegulariser"),
        c.getLong("train.maxTrainPairs"), c.getInt("train.sftEpochs"),
        c.getDouble("train.sftLearningRate"), c.getInt("train.rewardEpochs"),
        c.getDouble("train.rewardLearningRate"), c.getInt("train.costEpochs"),
        c.getDouble("train.costLearningRate"));
  }
}
