package io.dualign.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.dualign.model.CausalLm;
import io.dualign.run.Json;
import io.dualign.train.DpoExample;
import io.dualign.train.DpoObjective;
import io.dualign.train.ModelTrainer;
import io.dualign.train.OptimizerSettings;
import io.dualign.train.PreferenceExample;
import io.dualign.train.TrainingLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA on the Hugging Face decoder: exactly the base model at initialisation, a DPO step that
 * moves only the adapter, merged weights equal to base plus adapter, the adapter switched off
 * giving the base model, DPO loss going down with LoRA and with full fine-tuning, and PEFT's
 * own logits ({@code peft.PeftModel.from_pretrained}, recorded by {@code make_lora_reference.py})
 * on the adapter dualign writes.
 */
class LoraTest {
  private static final LoraSpec ATTENTION = new LoraSpec(4, 8, 0.0, List.of("q_proj", "k_proj",
      "v_proj", "o_proj"));

  @Test
  void atInitialisationTheAdapterGivesExactlyTheBaseLogits() throws Exception {
    try (HfCheckpoint.Loaded m = HfParityTest.load("llama-gqa-tied", "float32")) {
      long[] row = HfParityTest.prompts(HfParityTest.reference("llama-gqa-tied")).get(1);
      float[] base = HfParityTest.singleLogits(m.causalLm(), row);
      m.model().decoder().attachLora(ATTENTION, m.model().manager(), 3);
      assertArrayEquals(base, HfParityTest.singleLogits(m.causalLm(), row));
      // 2 layers x 4 projections x (A, B)
      assertEquals(16, m.model().decoder().loraParametersByName().size());
      assertEquals(16, m.model().trainableParameters().size());
    }
  }

  @Test
  void aDpoStepChangesOnlyTheAdapterAndMergingReproducesIt(@TempDir Path tmp) throws Exception {
    try (HfCheckpoint.Loaded m = HfParityTest.load("llama-gqa-tied", "float32")) {
      HfDecoder net = m.model().decoder();
      Map<String, float[]> before = snapshot(net.parametersByName());
      net.attachLora(ATTENTION, m.model().manager(), 3);
      Map<String, float[]> adapterBefore = snapshot(net.loraParametersByName());
      List<DpoExample> pairs = pairs(m.causalLm(), 4);
      float first = train(m.causalLm(), pairs, 1, 0.05f);
      Map<String, float[]> after = snapshot(net.parametersByName());
      for (String name : before.keySet()) {
        assertArrayEquals(before.get(name), after.get(name), name + " moved");
      }
      // With B = 0 the first step's gradient reaches B only (dL/dA = Bᵀ·...), as in PEFT.
      for (Map.Entry<String, float[]> e : snapshot(net.loraParametersByName()).entrySet()) {
        boolean moved = !java.util.Arrays.equals(adapterBefore.get(e.getKey()), e.getValue());
        assertEquals(e.getKey().endsWith("lora_B.weight"), moved, e.getKey());
      }
      assertTrue(Double.isFinite(first));

      long[] row = HfParityTest.prompts(HfParityTest.reference("llama-gqa-tied")).get(2);
      float[] adapted = HfParityTest.singleLogits(m.causalLm(), row);
      net.setAdapterEnabled(false);
      float[] off = HfParityTest.singleLogits(m.causalLm(), row);
      net.setAdapterEnabled(true);
      try (HfCheckpoint.Loaded base = HfParityTest.load("llama-gqa-tied", "float32")) {
        assertArrayEquals(HfParityTest.singleLogits(base.causalLm(), row), off,
            "adapter off = base");
      }
      assertFalse(java.util.Arrays.equals(adapted, off), "the adapter changes the logits");
      FileSystem fs = FileSystem.getLocal(new Configuration());
      org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(tmp.resolve("merged").toUri());
      HfCheckpoint.save(m, fs, out);
      try (HfCheckpoint.Loaded merged = HfCheckpoint.load(fs, out, Device.cpu(), "auto")) {
        assertEquals(null, merged.model().decoder().lora());
        HfParityTest.assertClose(adapted, HfParityTest.singleLogits(merged.causalLm(), row),
            1e-5, "merged vs base + adapter");
      }
    }
  }

  @Test
  void loraAndFullFineTuningBothLowerTheDpoLoss() throws Exception {
    for (boolean lora : new boolean[] {true, false}) {
      try (HfCheckpoint.Loaded m = HfParityTest.load("llama-mha", "float32")) {
        if (lora) {
          m.model().decoder().attachLora(ATTENTION, m.model().manager(), 5);
        }
        List<DpoExample> pairs = pairs(m.causalLm(), 4);
        DpoObjective objective = new DpoObjective(m.causalLm(), 3, 0.1f);
        float start = loss(objective, m, pairs);
        train(m.causalLm(), pairs, 8, lora ? 0.02f : 0.002f);
        float end = loss(objective, m, pairs);
        assertEquals(Math.log(2), start, 1e-5, "pairs whose reference is the start policy");
        assertTrue(end < start - 0.05, (lora ? "LoRA" : "full") + ": DPO loss " + start + " -> "
            + end);
      }
    }
  }

  @Test
  void peftLoadsTheAdapterDualignWritesWithTheSameLogits(@TempDir Path tmp) throws Exception {
    Map<String, Object> ref = Json.readMap(Files.readAllBytes(WriteLoraFixture.DIR.resolve(
        "peft-reference.json")));
    FileSystem fs = FileSystem.getLocal(new Configuration());
    try (HfCheckpoint.Loaded m = HfParityTest.load(WriteLoraFixture.BASE, "float32")) {
      PeftAdapter.Header h = PeftAdapter.attach(fs, new org.apache.hadoop.fs.Path(
          WriteLoraFixture.DIR.toAbsolutePath().toUri()), m.model().decoder(),
          m.model().manager());
      assertEquals(WriteLoraFixture.SPEC, h.spec());
      List<long[]> rows = HfParityTest.prompts(ref);
      for (int r = 0; r < rows.size(); r++) {
        HfParityTest.assertClose(HfParityTest.referenceLogits(ref, r),
            HfParityTest.singleLogits(m.causalLm(), rows.get(r)), HfParityTest.TOLERANCE,
            "PEFT row " + r);
      }
    }
    WriteLoraFixture.write(tmp.resolve("adapter"));
    for (String f : List.of(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS)) {
      assertArrayEquals(Files.readAllBytes(WriteLoraFixture.DIR.resolve(f)),
          Files.readAllBytes(tmp.resolve("adapter").resolve(f)), f + " differs from the "
              + "committed fixture (rerun WriteLoraFixture and make_lora_reference.py)");
    }
  }

  @Test
  void anAdapterOfAnotherShapeIsRefusedNamingTheFile() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    try (HfCheckpoint.Loaded m = HfParityTest.load("llama3-rope", "float32")) {
      HfModelException e = assertThrows(HfModelException.class, () -> PeftAdapter.attach(fs,
          new org.apache.hadoop.fs.Path(WriteLoraFixture.DIR.toAbsolutePath().toUri()),
          m.model().decoder(), m.model().manager()));
      assertTrue(e.getMessage().contains(PeftAdapter.WEIGHTS), e.getMessage());
      assertTrue(e.getMessage().contains("lora_"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> new LoraSpec(0, 16, 0, List.of("q_proj")));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> new LoraSpec(8, 16, 0, List.of("qkv")));
    assertTrue(bad.getMessage().contains("'qkv'"), bad.getMessage());
  }

  /**
   * Gradient accumulation with a LoRA adapter: two DPO steps of 2 micro-batches of 3 pairs train
   * the adapter as two steps of 6 pairs do, to float tolerance (the base stays frozen in both).
   */
  @Test
  void accumulatedDpoMicroBatchesTrainTheAdapterAsTheWholeBatch() throws Exception {
    try (HfCheckpoint.Loaded whole = HfParityTest.load("llama-gqa-tied", "float32");
        HfCheckpoint.Loaded accumulated = HfParityTest.load("llama-gqa-tied", "float32")) {
      whole.model().decoder().attachLora(ATTENTION, whole.model().manager(), 3);
      accumulated.model().decoder().attachLora(ATTENTION, accumulated.model().manager(), 3);
      List<DpoExample> p = pairs(whole.causalLm(), 12);
      OptimizerSettings o = new OptimizerSettings(1e-3f, 0, 2, 0.01f, 1f);
      TrainingLoop.FitResult w = TrainingLoop.fit("whole", new ModelTrainer(whole.causalLm(), o),
          new DpoObjective(whole.causalLm(), 3, 0.1f), p, 6, 1, 1, 4, 1);
      TrainingLoop.FitResult k = TrainingLoop.fit("accumulated", new ModelTrainer(
          accumulated.causalLm(), o), new DpoObjective(accumulated.causalLm(), 3, 0.1f), p, 3, 2,
          1, 4, 1);
      assertEquals(2, w.steps());
      assertEquals(2, k.steps());
      assertEquals(w.lastLoss(), k.lastLoss(), 1e-6);
      double rel = relativeDifference(
          accumulated.model().trainableParameters(), whole.model().trainableParameters());
      assertTrue(rel < 1e-6, "adapters differ by " + rel + " relative");
      Map<String, float[]> a = snapshot(accumulated.model().decoder().parametersByName());
      Map<String, float[]> b = snapshot(whole.model().decoder().parametersByName());
      for (String name : b.keySet()) {
        assertArrayEquals(b.get(name), a.get(name), name + " (frozen) changed differently");
      }
    }
  }

  /** ‖a − b‖ / ‖b‖ over every parameter. */
  private static double relativeDifference(List<Parameter> a, List<Parameter> b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.size(); i++) {
      float[] x = a.get(i).getArray().toFloatArray();
      float[] y = b.get(i).getArray().toFloatArray();
      for (int j = 0; j < x.length; j++) {
        diff += (double) (x[j] - y[j]) * (x[j] - y[j]);
        norm += (double) y[j] * y[j];
      }
    }
    return Math.sqrt(diff / norm);
  }

  /** Seeded random pairs whose reference log-probs are the current policy's. */
  private static List<DpoExample> pairs(CausalLm lm, int n) {
    SplittableRandom rng = new SplittableRandom(1);
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

  /** {@code steps} full-batch AdamW steps; returns the first step's loss. */
  private static float train(CausalLm lm, List<DpoExample> pairs, int steps, float lr) {
    DpoObjective objective = new DpoObjective(lm, 3, 0.1f);
    ModelTrainer trainer = new ModelTrainer(lm, new OptimizerSettings(lr, 0, steps, 0f, 0f));
    float first = Float.NaN;
    for (int s = 0; s < steps; s++) {
      double l = trainer.step(m -> objective.loss(m, pairs, true), 1).loss();
      if (s == 0) {
        first = (float) l;
      }
    }
    return first;
  }

  private static float loss(DpoObjective objective, HfCheckpoint.Loaded m, List<DpoExample> p) {
    try (NDManager sm = m.model().manager().newSubManager()) {
      return objective.loss(sm, p, false).getFloat();
    }
  }

  private static Map<String, float[]> snapshot(Map<String, Parameter> params) {
    Map<String, float[]> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, v.getArray().toFloatArray()));
    return out;
  }
}
