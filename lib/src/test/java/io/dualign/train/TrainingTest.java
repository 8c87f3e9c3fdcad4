package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
      int steps = TrainingLoop.stepsFor(train.size(), 16, 1, 12);
      ModelTrainer t = new ModelTrainer(lm, new OptimizerSettings(3e-3f, 6, steps, 0.01f, 1f));
      TrainingLoop.FitResult fit = TrainingLoop.fit("sft", t, obj, train, 16, 1, 12, 7, 16);
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
      int steps = TrainingLoop.stepsFor(train.size(), 16, 1, 3);
      ModelTrainer t = new ModelTrainer(rm, new OptimizerSettings(2e-3f, 5, steps, 0.01f, 1f));
      TrainingLoop.fit("reward", t, obj, train, 16, 1, 3, 7, 16);
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
      int steps = TrainingLoop.stepsFor(train.size(), 16, 1, 3);
      ModelTrainer t = new ModelTrainer(cm, new OptimizerSettings(2e-3f, 5, steps, 0.01f, 1f));
      TrainingLoop.fit("cost", t, obj, train, 16, 1, 3, 7, 16);
      Map<String, Double> after = obj.evaluate(test, 50);
      // The labels are noise-free: cost < 0 exactly for safe responses.
      assertTrue(after.get("sign_accuracy") >= 0.95, after.toString());
      assertTrue(after.get("accuracy") >= 0.8, after.toString());
    }
  }

  /** The clip factor brings a norm above the clip norm down to it and leaves others alone. */
  @Test
  void clipScaleBoundsTheGlobalGradientNorm() {
    try (BuiltInTransformer lm = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.LANGUAGE_MODEL), 4, Device.cpu())) {
      List<SftExample> data = SyntheticTasks.sft(8, 9);
      SftObjective obj = new SftObjective(lm, 1);
      ModelTrainer t = new ModelTrainer(lm, new OptimizerSettings(1e-3f, 0, 10, 0f, 0.05f));
      t.backward(m -> obj.loss(m, data, true));
      double norm = t.gradientNorm();
      assertTrue(norm > 0.05, "norm " + norm);
      assertEquals(0.05, norm * t.clipScale(norm), 1e-6);
      assertEquals(1f, t.clipScale(0.04));
    }
  }

  /**
   * The host update (one pass on the JVM) and DJL's AdamW on the engine take the same steps:
   * weight decay on, the gradient clipped (its norm is far above 0.05), warm-up changing the
   * learning rate, three steps so the moments and the bias correction matter.
   */
  @Test
  void hostAdamWTakesTheEngineAdamWSteps() {
    ModelArchitecture a = arch(ModelArchitecture.Head.LANGUAGE_MODEL);
    try (BuiltInTransformer host = BuiltInTransformer.create(a, 4, Device.cpu());
        BuiltInTransformer engine = BuiltInTransformer.create(a, 4, Device.cpu())) {
      List<SftExample> data = SyntheticTasks.sft(8, 9);
      OptimizerSettings o = new OptimizerSettings(3e-3f, 2, 10, 0.01f, 0.05f);
      ModelTrainer onHost = new ModelTrainer(host, o, true);
      ModelTrainer onEngine = new ModelTrainer(engine, o, false);
      assertTrue(onHost.updatesOnHost());
      assertFalse(onEngine.updatesOnHost());
      SftObjective hostObj = new SftObjective(host, 1);
      SftObjective engineObj = new SftObjective(engine, 1);
      for (int i = 0; i < 3; i++) {
        StepStats h = onHost.step(m -> hostObj.loss(m, data, true), 1);
        StepStats e = onEngine.step(m -> engineObj.loss(m, data, true), 1);
        assertTrue(h.gradNorm() > 0.05, "clipping is active: norm " + h.gradNorm());
        assertEquals(e.loss(), h.loss(), 1e-5, "step " + i);
        assertEquals(e.gradNorm(), h.gradNorm(), 1e-4 * e.gradNorm(), "step " + i);
      }
      List<ai.djl.nn.Parameter> hp = host.trainableParameters();
      List<ai.djl.nn.Parameter> ep = engine.trainableParameters();
      double maxDiff = 0;
      double maxMove = 0;
      try (BuiltInTransformer init = BuiltInTransformer.create(a, 4, Device.cpu())) {
        List<ai.djl.nn.Parameter> ip = init.trainableParameters();
        for (int i = 0; i < hp.size(); i++) {
          float[] x = hp.get(i).getArray().toFloatArray();
          float[] y = ep.get(i).getArray().toFloatArray();
          float[] w0 = ip.get(i).getArray().toFloatArray();
          for (int j = 0; j < x.length; j++) {
            maxDiff = Math.max(maxDiff, Math.abs(x[j] - y[j]));
            maxMove = Math.max(maxMove, Math.abs(x[j] - w0[j]));
          }
        }
      }
      assertTrue(maxMove > 1e-3, "the weights moved: " + maxMove);
      assertTrue(maxDiff < 1e-6, "max |host - engine| = " + maxDiff);
      // Both paths leave zero gradients behind.
      for (List<ai.djl.nn.Parameter> ps : List.of(hp, ep)) {
        try (ai.djl.ndarray.NDArray g = ps.get(0).getArray().getGradient()) {
          assertEquals(0f, g.abs().max().getFloat());
        }
      }
    }
  }

  /**
   * The host update keeps its state on the heap: a model whose moments and copies would take
   * more than a quarter of the heap stays on the engine's AdamW.
   */
  @Test
  void hostAdamWOnlyTakesModelsWhoseStateFitsAQuarterOfTheHeap() {
    try (BuiltInTransformer lm = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.LANGUAGE_MODEL), 4, Device.cpu())) {
      List<ai.djl.nn.Parameter> ps = lm.trainableParameters();
      long elements = 0;
      long largest = 0;
      for (ai.djl.nn.Parameter p : ps) {
        elements += p.getArray().size();
        largest = Math.max(largest, p.getArray().size());
      }
      long state = HostAdamW.stateBytes(elements, largest);
      assertEquals(4L * (2 * lm.parameterCount() + 2 * largest), state);
      List<ai.djl.ndarray.NDArray> ws = ps.stream().map(ai.djl.nn.Parameter::getArray).toList();
      assertTrue(HostAdamW.supports(ws, 4 * state));
      assertFalse(HostAdamW.supports(ws, 4 * state - 4));
    }
  }

  /**
   * The host update writes through buffers over the tensors' memory; a view that is not
   * contiguous gets a copy from DJL, which the aliasing check must refuse.
   */
  @Test
  void hostUpdateWritesOnlyThroughBuffersThatAliasTheTensor() {
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
      ai.djl.ndarray.NDArray a = m.create(new float[] {1, 2, 3, 4, 5, 6}, new ai.djl.ndarray.types.Shape(2, 3));
      assertTrue(HostAdamW.aliases(a));
      assertEquals(1f, a.getFloat(0, 0), "the probe value is restored");
      assertFalse(HostAdamW.aliases(a.transpose()));
    }
  }
}
