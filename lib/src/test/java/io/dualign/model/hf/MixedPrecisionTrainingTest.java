package io.dualign.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.dualign.model.CausalLm;
import io.dualign.train.DpoExample;
import io.dualign.train.DpoObjective;
import io.dualign.train.ModelTrainer;
import io.dualign.train.OptimizerSettings;
import io.dualign.train.PreferenceExample;
import io.dualign.train.StepStats;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Training a float16 Hugging Face model on the CPU, where the computation is float32 (float16
 * weights are cast where used): a LoRA adapter on the float16 base is float32 and needs no
 * master copies or loss scaling; full fine-tuning of the float16 weights is refused. The master
 * copies and loss scaling of float16 computation are tested in {@code Float16TrainingTest}.
 */
class MixedPrecisionTrainingTest {
  private static List<DpoExample> pairs(CausalLm lm, int n) {
    SplittableRandom rng = new SplittableRandom(4);
    List<PreferenceExample> raw = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      raw.add(new PreferenceExample(ids(rng, 5), ids(rng, 4), ids(rng, 4), true, true));
    }
    return DpoObjective.withReference(lm, 3, raw, n);
  }

  private static long[] ids(SplittableRandom rng, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = 4 + rng.nextInt(300);
    }
    return out;
  }

  private static float[] f32(NDArray a) {
    return a.toType(DataType.FLOAT32, false).toFloatArray();
  }

  /**
   * On the CPU the decoder computes in float32 and casts float16 weights with DJL's detached
   * toType: full fine-tuning of them would get no gradient, so the trainer refuses it, saying
   * what trains instead.
   */
  @Test
  void fullFineTuningOfFloat16WeightsComputedInFloat32IsRefused() throws Exception {
    try (HfCheckpoint.Loaded half = HfParityTest.load("llama-gqa-tied", "float16")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> new ModelTrainer(half.causalLm(), new OptimizerSettings(1e-3f, 0, 1, 0f, 0f)));
      assertTrue(e.getMessage().contains("is float16 but the model computes in float32")
          && e.getMessage().contains("train.lora.r > 0"), e.getMessage());
    }
  }

  @Test
  void aLoraAdapterOnAFloat16BaseIsFloat32AndNeedsNoMasters() throws Exception {
    try (HfCheckpoint.Loaded half = HfParityTest.load("llama-gqa-tied", "float16")) {
      half.model().decoder().attachLora(new LoraSpec(4, 8, 0.0, List.of("q_proj", "v_proj")),
          half.model().manager(), 3);
      CausalLm lm = half.causalLm();
      List<Parameter> ps = half.model().trainableParameters();
      assertTrue(ps.stream().allMatch(p -> p.getArray().getDataType() == DataType.FLOAT32));
      ModelTrainer t = new ModelTrainer(lm, new OptimizerSettings(1e-3f, 0, 10, 0f, 1f));
      assertEquals(0, t.masterCopies());
      for (int i = 0; i < ps.size(); i++) {
        assertNull(t.master(i));
      }
      // on the CPU the computation is float32: nothing to scale
      assertEquals(DataType.FLOAT32, half.model().computeType());
      assertFalse(t.lossScaler().isDynamic());
      assertEquals(1.0, t.lossScaler().scale());
      List<DpoExample> data = pairs(lm, 6);
      DpoObjective obj = new DpoObjective(lm, 3, 0.1f);
      float[] b0 = f32(ps.get(1).getArray());
      StepStats s = t.step(m -> obj.loss(m, data, true), 1);
      assertFalse(s.skipped());
      assertFalse(java.util.Arrays.equals(b0, f32(ps.get(1).getArray())), "the adapter trained");
      for (Parameter p : half.model().decoder().parametersByName().values()) {
        assertEquals(DataType.FLOAT16, p.getArray().getDataType(), "the base stays float16");
      }
    }
  }
}
