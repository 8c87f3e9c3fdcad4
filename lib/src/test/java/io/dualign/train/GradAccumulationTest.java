package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.nn.Parameter;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.ModelArchitecture;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gradient accumulation: {@code k} micro-batches of {@code b} make the optimizer step one batch of
 * {@code k·b} makes, and the schedule and the logged losses count optimizer steps.
 */
class GradAccumulationTest {
  /** ‖a − b‖ / ‖b‖ over every parameter of two models of the same architecture. */
  static double relativeDifference(List<Parameter> a, List<Parameter> b) {
    double diff = 0;
    double norm = 0;
    assertEquals(b.size(), a.size());
    for (int i = 0; i < a.size(); i++) {
      float[] x = a.get(i).getArray().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
          .toFloatArray();
      float[] y = b.get(i).getArray().toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
          .toFloatArray();
      for (int j = 0; j < x.length; j++) {
        diff += (double) (x[j] - y[j]) * (x[j] - y[j]);
        norm += (double) y[j] * y[j];
      }
    }
    return Math.sqrt(diff / norm);
  }

  /** ‖a − b‖ / ‖b − init‖: how far apart two trained models are relative to how far they moved. */
  static double relativeToMove(List<Parameter> a, List<Parameter> b, List<float[]> init) {
    double diff = 0;
    double move = 0;
    for (int i = 0; i < a.size(); i++) {
      float[] x = a.get(i).getArray().toFloatArray();
      float[] y = b.get(i).getArray().toFloatArray();
      float[] z = init.get(i);
      for (int j = 0; j < x.length; j++) {
        diff += (double) (x[j] - y[j]) * (x[j] - y[j]);
        move += (double) (y[j] - z[j]) * (y[j] - z[j]);
      }
    }
    return Math.sqrt(diff / move);
  }

  /**
   * SFT on the built-in model over 48 examples of varying lengths: micro-batches of 8 with
   * accumulation 3 take the same 2 optimizer steps (weight decay, clipping, warm-up on) as
   * batches of 24, to float tolerance; micro-batches are weighted by their response tokens, so
   * the logged loss is the batch's mean too.
   */
  @Test
  void accumulatedMicroBatchesTakeTheStepOfTheWholeBatch() {
    ModelArchitecture a = TrainingTest.arch(ModelArchitecture.Head.LANGUAGE_MODEL);
    List<SftExample> data = SyntheticTasks.sft(48, 11);
    OptimizerSettings o = new OptimizerSettings(1e-3f, 1, 2, 0.01f, 0.5f);
    try (BuiltInTransformer whole = BuiltInTransformer.create(a, 5, Device.cpu());
        BuiltInTransformer accumulated = BuiltInTransformer.create(a, 5, Device.cpu());
        BuiltInTransformer init = BuiltInTransformer.create(a, 5, Device.cpu())) {
      TrainingLoop.FitResult w = TrainingLoop.fit("whole", new ModelTrainer(whole, o),
          new SftObjective(whole, 1), data, 24, 1, 1, 9, 1);
      TrainingLoop.FitResult k = TrainingLoop.fit("accumulated", new ModelTrainer(accumulated,
          o), new SftObjective(accumulated, 1), data, 8, 3, 1, 9, 1);
      assertEquals(2, w.steps());
      assertEquals(2, k.steps());
      assertEquals(2, k.history().size(), "one logged loss per optimizer step");
      for (int i = 0; i < 2; i++) {
        assertEquals(w.history().get(i).loss(), k.history().get(i).loss(),
            1e-5 * w.history().get(i).loss(), "step " + (i + 1));
      }
      List<float[]> start = init.trainableParameters().stream()
          .map(p -> p.getArray().toFloatArray()).toList();
      double rel = relativeDifference(accumulated.trainableParameters(),
          whole.trainableParameters());
      assertTrue(rel < 1e-6, "parameters differ by " + rel + " relative");
      double ofMove = relativeToMove(accumulated.trainableParameters(),
          whole.trainableParameters(), start);
      assertTrue(ofMove < 1e-3, "the difference is " + ofMove + " of the update");
    }
  }

  /** Accumulating only some micro-batches (a wrong weighting) does not pass the comparison. */
  @Test
  void unweightedMicroBatchesWouldNotMatch() {
    ModelArchitecture a = TrainingTest.arch(ModelArchitecture.Head.LANGUAGE_MODEL);
    List<SftExample> data = SyntheticTasks.sft(16, 11);
    OptimizerSettings o = new OptimizerSettings(1e-3f, 0, 1, 0f, 0f);
    try (BuiltInTransformer whole = BuiltInTransformer.create(a, 5, Device.cpu());
        BuiltInTransformer half = BuiltInTransformer.create(a, 5, Device.cpu())) {
      TrainingLoop.fit("whole", new ModelTrainer(whole, o), new SftObjective(whole, 1), data,
          16, 1, 1, 9, 1);
      // the first 8 of the same shuffled order only: what dropping a micro-batch would do
      TrainingLoop.fit("half", new ModelTrainer(half, o), new SftObjective(half, 1), data,
          8, 1, 1, 9, 1);
      assertTrue(relativeDifference(half.trainableParameters(), whole.trainableParameters())
          > 1e-4);
    }
  }

  @Test
  void stepsCountOptimizerSteps() {
    assertEquals(9, TrainingLoop.stepsFor(33, 8, 2, 3));
    assertEquals(3, TrainingLoop.stepsFor(48, 8, 2, 1));
    assertEquals(6, TrainingLoop.stepsFor(48, 8, 1, 1));
  }

  @Test
  void microBatchSharesFollowTheObjectivesWeight() {
    List<SftExample> data = List.of(new SftExample(new long[] {1, 2}, new long[] {3, 4, 5}),
        new SftExample(new long[] {1}, new long[] {3}),
        new SftExample(new long[0], new long[] {3, 4, 5, 6}));
    SftObjective obj = new SftObjective(null, 1);
    assertEquals(3 + 1 + 3, obj.weight(data), 0);
    assertEquals(3, TrainingLoop.microBatches(obj, data, 1).size());
    assertEquals(2, TrainingLoop.microBatches(obj, data, 2).size());
  }

  @Test
  void refusesAZeroAccumulation() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingLoop.fit("sft", null, new SftObjective(null, 1),
            SyntheticTasks.sft(4, 1), 2, 0, 1, 1, 1));
    assertTrue(e.getMessage().contains("gradient accumulation 0"), e.getMessage());
  }
}
