package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.ModelArchitecture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DpoObjectiveTest {
  @Test
  void dpoStartsAtLog2AndLearnsThePreference() {
    ModelArchitecture arch = TrainingTest.arch(ModelArchitecture.Head.LANGUAGE_MODEL);
    try (BuiltInTransformer policy = BuiltInTransformer.create(arch, 11, Device.cpu())) {
      // The reference is the policy before training: its log-probs are taken first.
      List<DpoExample> train = DpoObjective.withReference(policy, 1,
          SyntheticTasks.reward(128, 0.0, 21), 32);
      List<DpoExample> test = DpoObjective.withReference(policy, 1,
          SyntheticTasks.reward(64, 0.0, 22), 32);
      DpoObjective obj = new DpoObjective(policy, 1, 0.5f);
      Map<String, Double> before = obj.evaluate(test, 32);
      assertEquals(Math.log(2), before.get("loss"), 1e-5, "policy == reference: loss is log 2");
      assertEquals(0.0, before.get("mean_margin"), 1e-5);
      int steps = TrainingLoop.stepsFor(train.size(), 16, 1, 3);
      ModelTrainer t = new ModelTrainer(policy, new OptimizerSettings(2e-3f, 3, steps, 0f, 1f));
      TrainingLoop.fit("dpo", t, obj, train, 16, 1, 3, 5, 8);
      Map<String, Double> after = obj.evaluate(test, 32);
      assertTrue(after.get("loss") < 0.5 * Math.log(2), after.toString());
      assertTrue(after.get("accuracy") >= 0.9, after.toString());
    }
  }
}
