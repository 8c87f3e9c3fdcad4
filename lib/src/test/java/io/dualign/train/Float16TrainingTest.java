package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.dualign.model.TrainableModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Mixed precision with float16 computation (what a GPU runs; PyTorch computes these float16
 * element-wise operations on the CPU too): float16 weights with float32 master copies the
 * optimizer updates, and dynamic loss scaling that skips overflowing steps and halves S.
 */
class Float16TrainingTest {
  /** Float16 weights {@code w [n]}; the loss mean((w − target)²) computed in float16. */
  static final class HalfModel implements TrainableModel, AutoCloseable {
    final NDManager manager = NDManager.newBaseManager();
    final Parameter w;
    final NDArray target;

    HalfModel(int n, float start, float goal) {
      w = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
      w.setArray(manager.full(new Shape(n), start, DataType.FLOAT16));
      target = manager.full(new Shape(n), goal, DataType.FLOAT16);
    }

    NDArray loss(NDManager m) {
      return w.getArray().sub(target).square().mean();
    }

    float[] weights() {
      return w.getArray().toType(DataType.FLOAT32, false).toFloatArray();
    }

    @Override
    public NDManager manager() {
      return manager;
    }

    @Override
    public List<Parameter> trainableParameters() {
      return List.of(w);
    }

    @Override
    public DataType computeType() {
      return DataType.FLOAT16;
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  /**
   * Steps of 1e-5 (Adam moves each weight by about the learning rate) are below half a float16
   * step at 1.0 (2^-11 ≈ 4.9e-4): float16 weights updated directly would never move. The float32
   * masters accumulate them, and the float16 weights follow once the masters have moved far
   * enough. The first step overflows: the float16 loss's gradient is S = 2^16, not finite in
   * float16, so the step is skipped and S halved, as GradScaler does.
   */
  @Test
  void float32MastersAccumulateUpdatesBelowTheFloat16Resolution() {
    try (HalfModel m = new HalfModel(16, 1f, 0f)) {
      float lr = 1e-5f;
      ModelTrainer t = new ModelTrainer(m, new OptimizerSettings(lr, 0, 1000, 0f, 0f,
          "dynamic"));
      assertEquals(1, t.masterCopies());
      assertEquals(DataType.FLOAT32, t.master(0).getDataType());
      assertTrue(t.lossScaler().isDynamic());
      StepStats first = t.step(m::loss, 1);
      assertTrue(first.skipped(), "65536 overflows float16");
      assertEquals(32768.0, t.lossScaler().scale());
      assertEquals(1.0, first.loss(), 0, "the loss itself is finite");
      for (int k = 0; k < 10; k++) {
        assertFalse(t.step(m::loss, 1).skipped());
      }
      float[] master = t.master(0).toFloatArray();
      for (float v : master) {
        assertEquals(1.0 - 10 * lr, v, 1e-6, "the master holds ten steps of 1e-5");
      }
      for (float v : m.weights()) {
        assertEquals(1.0f, v, "the float16 weight is the master rounded: still 1.0");
      }
      for (int k = 0; k < 60; k++) {
        assertFalse(t.step(m::loss, 1).skipped());
      }
      float[] moved = t.master(0).toFloatArray();
      try (NDArray rounded = t.master(0).toType(DataType.FLOAT16, true)) {
        assertArrayEquals(rounded.toType(DataType.FLOAT32, false).toFloatArray(), m.weights());
      }
      assertEquals(1.0 - 70 * lr, moved[0], 1e-5);
      assertTrue(m.weights()[0] < 1.0f, "after 70 steps the float16 weight moved: "
          + m.weights()[0]);
      assertEquals(1, t.lossScaler().skippedSteps());
    }
  }

  /**
   * An infinite gradient (d/dx √(x − x) at 0, a finite loss) skips the step: weights and
   * masters stay, S halves; the gradients are cleared, so the next step is clean.
   */
  @Test
  void anInjectedInfiniteGradientSkipsTheStepAndHalvesTheScale() {
    try (HalfModel m = new HalfModel(8, 0.5f, 0f)) {
      ModelTrainer t = new ModelTrainer(m, new OptimizerSettings(1e-2f, 0, 100, 0f, 1f));
      assertTrue(t.step(m::loss, 1).skipped(), "the float16 loss's gradient S = 2^16 overflows");
      assertFalse(t.step(m::loss, 1).skipped());
      assertEquals(32768.0, t.lossScaler().scale());
      float[] weights = m.weights();
      float[] master = t.master(0).toFloatArray();
      StepStats s = t.step(sm -> {
        NDArray w = m.w.getArray();
        return m.loss(sm).add(w.sub(w.stopGradient()).sqrt().sum());
      }, 1);
      assertTrue(s.skipped());
      assertTrue(Double.isNaN(s.gradNorm()));
      assertEquals(16384.0, t.lossScaler().scale());
      assertEquals(2, t.lossScaler().skippedSteps());
      assertArrayEquals(weights, m.weights());
      assertArrayEquals(master, t.master(0).toFloatArray());
      StepStats next = t.step(m::loss, 1);
      assertFalse(next.skipped());
      assertEquals(4, next.step(), "the schedule counts the skipped steps");
      assertTrue(Double.isFinite(next.gradNorm()) && next.gradNorm() > 0, "" + next.gradNorm());
      assertTrue(m.weights()[0] < weights[0], "the clean step moved the weights");
    }
  }

  /** Under a fixed scale an overflow has no remedy: training stops, saying so. */
  @Test
  void anOverflowUnderAFixedScaleStopsTraining() {
    try (HalfModel m = new HalfModel(8, 0.5f, 0f)) {
      ModelTrainer t = new ModelTrainer(m, new OptimizerSettings(1e-2f, 0, 100, 0f, 1f, "8"));
      assertEquals(8.0, t.lossScaler().scale());
      IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(
          IllegalStateException.class, () -> t.step(sm -> {
            NDArray w = m.w.getArray();
            return m.loss(sm).add(w.sub(w.stopGradient()).sqrt().sum());
          }, 1));
      assertTrue(e.getMessage().contains("loss scale 8.0"), e.getMessage());
    }
  }
}
