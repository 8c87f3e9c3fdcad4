package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.ModelArchitecture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingTest {
  static ModelArchitecture arch(ModelArchitecture.Head head) {
    return new ModelArchitecture(head, 64, 32, 32, 2, 4, 64);
  }

  @Test
  void sftLowersHeldOutLoss() {
    try (BuiltInTransformer lm = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.LANGUAGE_MODEL), 1, Device.cpu())) {
      List<SftExample> train = SyntheticTasks.sft(256, 1);
      List<SftExample> test = SyntheticTasks.sft(64, 2);
      SftObjective obj = new SftObjective(lm, 1);
      double before = obj.evaluate(test, 32).get("loss");
      int steps = TrainingLoop.stepsFor(train.size(), 16, 12);
      ModelTrainer t = new ModelTrainer(lm, new OptimizerSettings(3e-3f, 6, steps, 0.01f, 1f));
      TrainingLoop.FitResult fit = TrainingLoop.fit("sft", t, obj, train, 16, 12, 7, 16);
      double after = obj.evaluate(test, 32).get("loss");
      assertEquals(steps, fit.steps());
      assertTrue(fit.tokensPerSecond() > 0);
      // Untrained: about log(64) = 4.16 nats per token; the task is learnable to near 0.
      assertTrue(before > 3.5, "before " + before);
      assertTrue(after < 1.0, "held-out loss " + before + " -> " + after);
    }
  }

  @Test
  void rewardModelOrdersHeldOutPairs() {
    try (BuiltInTransformer rm = BuiltInTransformer.create(arch(ModelArchitecture.Head.SCORE), 2,
        Device.cpu())) {
      // 10% label noise: the best possible held-out accuracy is about 0.9.
      List<PreferenceExample> train = SyntheticTasks.reward(256, 0.1, 3);
      List<PreferenceExample> test = SyntheticTasks.reward(200, 0.1, 4);
      ScoreObjective obj = new ScoreObjective(rm, ScoreObjective.Kind.REWARD, 1, 0.001f);
      double before = obj.evaluate(test, 50).get("accuracy");
      int steps = TrainingLoop.stepsFor(train.size(), 16, 3);
      ModelTrainer t = new ModelTrainer(rm, new OptimizerSettings(2e-3f, 5, steps, 0.01f, 1f));
      TrainingLoop.fit("reward", t, obj, train, 16, 3, 7, 16);
      Map<String, Double> after = obj.evaluate(test, 50);
      assertTrue(after.get("accuracy") >= 0.8, "accuracy " + before + " -> " + after);
    }
  }

  @Test
  void costModelSeparatesSafeFromUnsafe() {
    try (BuiltInTransformer cm = BuiltInTransformer.create(arch(ModelArchitecture.Head.SCORE), 3,
        Device.cpu())) {
      List<PreferenceExample> train = SyntheticTasks.cost(256, 5);
      List<PreferenceExample> test = SyntheticTasks.cost(150, 6);
      ScoreObjective obj = new ScoreObjective(cm, ScoreObjective.Kind.COST, 1, 0.001f);
      int steps = TrainingLoop.stepsFor(train.size(), 16, 3);
      ModelTrainer t = new ModelTrainer(cm, new OptimizerSettings(2e-3f, 5, steps, 0.01f, 1f));
      TrainingLoop.fit("cost", t, obj, train, 16, 3, 7, 16);
      Map<String, Double> after = obj.evaluate(test, 50);
      // The labels are noise-free: cost < 0 exactly for safe responses.
      assertTrue(after.get("sign_accuracy") >= 0.95, after.toString());
      assertTrue(after.get("accuracy") >= 0.8, after.toString());
    }
  }

  @Test
  void clippingBoundsTheGlobalGradientNorm() {
    try (BuiltInTransformer lm = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.LANGUAGE_MODEL), 4, Device.cpu())) {
      List<SftExample> data = SyntheticTasks.sft(8, 9);
      SftObjective obj = new SftObjective(lm, 1);
      ModelTrainer t = new ModelTrainer(lm, new OptimizerSettings(1e-3f, 0, 10, 0f, 0.05f));
      t.backward(m -> obj.loss(m, data, true));
      double before = t.clipGradients();
      assertTrue(before > 0.05, "norm " + before);
      assertEquals(0.05, t.gradientNorm(), 1e-4);
    }
  }
}
