package io.dualign.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.CausalLm;
import io.dualign.model.ModelArchitecture;
import io.dualign.model.ResidentMemory;
import io.dualign.model.TrainableModel;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.hf.LoraSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code MemoryProbe} measures, in a process of its own, the peak resident memory of DPO steps as
 * dualign takes them: from before the model is loaded (the engine started) to the peak of
 * {@code steps} optimizer steps on {@code pairs} pairs of {@code tokens} tokens (half prompt,
 * half response), full fine-tuning or LoRA r 8 on q/k/v/o_proj. Arguments: {@code builtin} or a
 * Hugging Face folder, {@code full} or {@code lora}, pairs, tokens, steps. Prints
 * {@code MEASURED <bytes>}. The peak comes from VmHWM after clear_refs, so the JVM's heap is
 * committed up front ({@code -Xms = -Xmx}, {@code -XX:+AlwaysPreTouch}) and not counted.
 */
public final class MemoryProbe {
  /** The built-in architecture the probe trains (the embedded default's). */
  public static final ModelArchitecture BUILT_IN = new ModelArchitecture(
      ModelArchitecture.Head.LANGUAGE_MODEL, 4096, 256, 192, 4, 4, 768, 4);
  /** LoRA's targets in the probe. */
  public static final List<String> LORA_TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj");

  private MemoryProbe() {}

  public static void main(String[] a) throws Exception {
    String model = a[0];
    boolean lora = a[1].equals("lora");
    int pairs = Integer.parseInt(a[2]);
    int tokens = Integer.parseInt(a[3]);
    int steps = Integer.parseInt(a[4]);
    try (NDManager warm = NDManager.newBaseManager()) { // the engine loaded and started
      warm.ones(new ai.djl.ndarray.types.Shape(64, 64)).matMul(warm.ones(
          new ai.djl.ndarray.types.Shape(64, 64))).toFloatArray();
    }
    System.gc();
    long base = ResidentMemory.resetPeak();
    CausalLm lm;
    int vocab;
    AutoCloseable closer;
    if (model.equals("builtin")) {
      BuiltInTransformer b = BuiltInTransformer.create(BUILT_IN, 1, Device.cpu());
      lm = b;
      closer = b;
      vocab = BUILT_IN.vocabSize();
    } else {
      HfCheckpoint.Loaded m = HfCheckpoint.load(FileSystem.getLocal(new Configuration()),
          new Path(model), Device.cpu(), "float32");
      if (lora) {
        m.model().decoder().attachLora(new LoraSpec(8, 16, 0, LORA_TARGETS), m.model().manager(),
            0);
      }
      lm = m.causalLm();
      closer = m;
      vocab = m.tokenizer().vocabSize();
    }
    System.gc(); // the loader's buffers are not the training's
    ResidentMemory.resetPeak();
    SplittableRandom rng = new SplittableRandom(2);
    List<PreferenceExample> raw = new ArrayList<>();
    for (int i = 0; i < pairs; i++) {
      raw.add(new PreferenceExample(ids(rng, vocab, tokens / 2), ids(rng, vocab, tokens / 2),
          ids(rng, vocab, tokens / 2), true, true));
    }
    List<DpoExample> ex = DpoObjective.withReference(lm, 0, raw, pairs);
    DpoObjective objective = new DpoObjective(lm, 0, 0.1f);
    ModelTrainer trainer = new ModelTrainer((TrainableModel) lm,
        new OptimizerSettings(1e-5f, 0, steps + 1, 0f, 0f));
    for (int i = 0; i < steps; i++) {
      trainer.step(sm -> objective.loss(sm, ex, true), 1);
    }
    System.out.println("MEASURED " + (ResidentMemory.peak() - base));
    closer.close();
  }

  private static long[] ids(SplittableRandom rng, int vocab, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = 10 + rng.nextInt(vocab - 10);
    }
    return out;
  }
}
