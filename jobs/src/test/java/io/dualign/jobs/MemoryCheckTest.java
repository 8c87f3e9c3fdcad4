package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.model.MemoryPlan;
import io.dualign.model.hf.HfConfig;
import io.dualign.vocabulary.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory plan: the {@code gpu-7b} profile (the paper's setting on Alpaca-7B's shape) fits an
 * 80 GB GPU in every stage; full fine-tuning of the same model does not, and the refusal names
 * the figures and a LoRA setting that fits; LoRA's parameter count is PEFT's; a stage whose plan
 * does not fit exits 2 before loading anything.
 */
class MemoryCheckTest {
  @TempDir Path tmp;

  static HfConfig alpaca7b() throws Exception {
    Path f = Path.of("src/test/resources/memory-plan/alpaca-7b-config.json");
    return HfConfig.parse(Files.readAllBytes(f), f.toString());
  }

  @Test
  void theModelCacheBoundIsTheSettingOrHalfTheTaskMemory() {
    ConfigLoader loader = ConfigLoader.fromClasspath();
    org.apache.spark.SparkConf cluster = new org.apache.spark.SparkConf()
        .set("spark.master", "spark://127.0.0.1:7077").set("spark.executor.memory", "6g")
        .set("spark.executor.memoryOverhead", "2g");
    DualignConfig auto = loader.load("tiny", null, List.of());
    assertEquals(0, auto.runtime().modelCacheBytes());
    assertEquals(4L << 30, MemoryCheck.modelCacheBytes(auto, cluster), "half of 6g + 2g");
    DualignConfig task = loader.load("tiny", null, List.of("runtime.taskMemoryBytes=1000"));
    assertEquals(500, MemoryCheck.modelCacheBytes(task, cluster));
    DualignConfig set = loader.load("tiny", null, List.of("runtime.modelCacheBytes=12345"));
    assertEquals(12345, MemoryCheck.modelCacheBytes(set, cluster));
  }

  @Test
  void thePapersSettingFitsAnEightyGigabyteGpuInEveryStage() throws Exception {
    DualignConfig cfg = ConfigLoader.fromClasspath().load("gpu-7b", null, List.of());
    HfConfig hc = alpaca7b();
    assertEquals(6_738_423_808L, hc.parameterCount(), "Llama-7B with Alpaca's extra token");
    long limit = cfg.runtime().taskMemoryBytes();
    assertEquals(80_000_000_000L, limit);
    int planned = 0;
    for (Stage s : Stage.values()) {
      for (MemoryCheck.Plan p : MemoryCheck.plans(cfg, s, hc, true, limit)) {
        planned++;
        assertTrue(p.estimate().total() <= limit, s.cliName() + ": " + p.work() + " needs "
            + p.estimate().describe());
      }
    }
    assertEquals(2, planned, "align's DPO epoch and sample-ref's generation (reward and cost "
        + "are provided)");
    // PEFT: r = 8 on q, k, v, o of Llama-7B is 8 * (4096 + 4096) * 4 * 32 parameters
    assertEquals(8_388_608L, hc.memoryShape().loraParameters(8, List.of("q_proj", "k_proj",
        "v_proj", "o_proj")));
  }

  @Test
  void fullFineTuningOfSevenBillionParametersIsRefusedWithASettingThatFits() throws Exception {
    DualignConfig cfg = ConfigLoader.fromClasspath().load("gpu-7b", null, List.of(
        "train.lora.r=0", "align.batchSize=2", "train.gradAccumulation=8",
        "runtime.taskMemoryBytes=70000000000"));
    MemoryCheck.Plan p = MemoryCheck.plans(cfg, Stage.ALIGN, alpaca7b(), true,
        70_000_000_000L)
        .get(0);
    MemoryPlan.Estimate e = p.estimate();
    // float16 weights, float32 master copies, gradients and both AdamW moments: 18 bytes each
    assertEquals(6_738_423_808L * 2, e.weights());
    assertEquals(6_738_423_808L * 4, e.masterCopies());
    assertEquals(6_738_423_808L * 12, e.gradients() + e.optimizer());
    assertTrue(e.total() > 121_000_000_000L, e.describe());
    assertTrue(p.work().contains("full fine-tuning of 6.74B parameters"), p.work());
    // LoRA at 2 pairs does not fit 70 GB either; at 1 pair it does, accumulating twice as often
    assertTrue(p.fix().startsWith("set train.lora.r = 8 and set align.batchSize = 1 (needs "),
        p.fix());
    assertTrue(p.fix().endsWith(" with train.gradAccumulation = 16 to keep 16 pairs per "
        + "optimizer step"), p.fix());
  }

  @Test
  void aStageWhosePlanDoesNotFitExitsTwoBeforeLoading() {
    List<String> s = new java.util.ArrayList<>(HfStagesTest.settings());
    s.add("runtime.taskMemoryBytes=100000");
    String dir = tmp.resolve("run").toString();
    for (String stage : List.of("prepare", "sft")) {
      TorchScriptStagesTest.Result r = TorchScriptStagesTest.run(s, dir, stage);
      assertEquals(0, r.code(), () -> stage + ": " + r.out() + r.err());
    }
    TorchScriptStagesTest.Result r = TorchScriptStagesTest.run(s, dir, "sample-ref");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("sample-ref: generating 4 rows of up to 76 tokens"), r.err());
    assertTrue(r.err().contains("a task has 0.1 MB (runtime.taskMemoryBytes)"), r.err());
    assertTrue(!java.nio.file.Files.exists(tmp.resolve("run/sample-ref/_SUCCESS.json")));
  }
}
