package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.dual.TestSpark;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.hf.HfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stages with Hugging Face folders as π_ref (the Qwen2 fixture, with its own ChatML chat
 * template), reward (safe-rlhf's LlamaForScore fixture) and cost (Qwen2ForSequenceClassification):
 * the training stages commit as provided, sample-ref samples from the Hugging Face policy with its
 * KV cache and scores with the Hugging Face score models, score scores the pairs, and one DPO
 * iteration trains the policy (full fine-tuning) and writes θ(1) as a Hugging Face folder that
 * loads again with a new version.
 */
class HfStagesTest {
  @TempDir Path tmp;

  static Path fixture(String name) {
    return ProjectFiles.root().resolve("lib/src/test/resources/hf").resolve(name);
  }

  static List<String> settings() {
    return List.of("data.syntheticPairs=120", "model.policy=" + fixture("qwen2"),
        "model.reward=" + fixture("llama-score"), "model.cost=" + fixture("qwen2-seqcls"),
        "model.maxPromptTokens=64", "model.maxResponseTokens=24", "rollout.prompts=5",
        "rollout.samples=2", "rollout.maxNewTokens=12", "rollout.batchSize=4",
        "rollout.partitions=2", "rollout.truncatePrompts=true", "align.iterations=1",
        "align.maxPairs=24", "align.batchSize=8", "align.learningRate=0.01",
        "train.warmupSteps=0", "runtime.progressIntervalSeconds=1");
  }

  static TorchScriptStagesTest.Result run(String runDir, String... stageAndOptions) {
    return TorchScriptStagesTest.run(settings(), runDir, stageAndOptions);
  }

  @Test
  @SuppressWarnings("unchecked")
  void providedHuggingFaceModelsRunSampleRefScoreAndOneDpoIteration() throws Exception {
    Path runDir = tmp.resolve("run");
    String dir = runDir.toString();
    FileSystem fs = FileSystem.getLocal(new Configuration());
    String policyVersion = HfFolder.open(fs, new org.apache.hadoop.fs.Path(fixture("qwen2")
        .toUri())).version();
    for (String stage : List.of("prepare", "sft", "train-reward", "train-cost")) {
      TorchScriptStagesTest.Result r = run(dir, stage);
      assertEquals(0, r.code(), () -> stage + " failed: " + r.out() + r.err());
    }
    Map<String, Object> sft = TorchScriptStagesTest.marker(runDir, "sft");
    assertEquals(true, sft.get("provided"), sft.toString());
    assertEquals("hugging-face", sft.get("model_format"));
    assertEquals(policyVersion, sft.get("model_version"));

    TorchScriptStagesTest.Result s = run(dir, "sample-ref");
    assertEquals(0, s.code(), () -> s.out() + s.err());
    Map<String, Object> m = TorchScriptStagesTest.marker(runDir, "sample-ref");
    assertEquals(10, ((Number) m.get("rows")).intValue(), m.toString());
    assertEquals(0, ((Number) m.get("error_rows")).intValue(), m.toString());
    assertEquals("hugging-face", m.get("policy_format"));
    SparkSession spark = TestSpark.builder().master("local[1]").appName("check").getOrCreate();
    try {
      List<Row> rows = spark.read().parquet(runDir.resolve("sample-ref/samples").toString())
          .collectAsList();
      assertEquals(10, rows.size());
      for (Row r : rows) {
        assertNull(r.getAs("error"), r.toString());
        assertTrue(Double.isFinite(r.getAs("reward")), r.toString());
        assertTrue(Double.isFinite(r.getAs("utility_safety")), r.toString());
        assertTrue((int) r.getAs("response_tokens") <= 12, r.toString());
      }
    } finally {
      spark.stop();
    }

    TorchScriptStagesTest.Result sc = run(dir, "score");
    assertEquals(0, sc.code(), () -> sc.out() + sc.err());
    assertEquals(0, ((Number) TorchScriptStagesTest.marker(runDir, "score").get("error_pairs"))
        .intValue());

    TorchScriptStagesTest.Result a = run(dir, "align", "--method", "dpo-helpful");
    assertEquals(0, a.code(), () -> a.out() + a.err());
    Map<String, Object> it = TorchScriptStagesTest.marker(runDir, "align/dpo-helpful/iteration-1");
    Map<String, Object> dpo = (Map<String, Object>) it.get("dpo");
    assertEquals("hugging-face", dpo.get("model_format"), dpo.toString());
    assertEquals(policyVersion, dpo.get("previous_version"));
    double loss = ((Number) dpo.get("dpo_loss")).doubleValue();
    assertTrue(loss < Math.log(2) - 1e-3, "one DPO epoch lowers the loss from log 2: " + dpo);
    Path trained = runDir.resolve("align/dpo-helpful/iteration-1/model");
    assertTrue(Files.isRegularFile(trained.resolve("config.json")), "a Hugging Face folder");
    try (HfCheckpoint.Loaded back = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
        trained.toUri()), Device.cpu(), "auto")) {
      assertEquals(dpo.get("model_version"), back.version());
      assertNotEquals(policyVersion, back.version());
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void loraTrainsAnAdapterThatEachIterationCarriesOnAndWritesInPeftFormat() throws Exception {
    Path runDir = tmp.resolve("lora");
    List<String> lora = new java.util.ArrayList<>(settings());
    lora.addAll(List.of("train.lora.r=4", "train.lora.alpha=8", "train.lora.dropout=0",
        "align.iterations=2", "align.learningRate=0.02"));
    for (String stage : List.of("prepare", "sft", "train-reward", "train-cost", "sample-ref",
        "score")) {
      TorchScriptStagesTest.Result r = TorchScriptStagesTest.run(lora, runDir.toString(), stage);
      assertEquals(0, r.code(), () -> stage + " failed: " + r.out() + r.err());
    }
    TorchScriptStagesTest.Result a = TorchScriptStagesTest.run(lora, runDir.toString(), "align",
        "--method", "dpo-safe");
    assertEquals(0, a.code(), () -> a.out() + a.err());
    FileSystem fs = FileSystem.getLocal(new Configuration());
    String base = fs.makeQualified(new org.apache.hadoop.fs.Path(fixture("qwen2").toString()))
        .toString();
    float[][] baseWeight = new float[1][];
    try (HfCheckpoint.Loaded b = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
        fixture("qwen2").toUri()), Device.cpu(), "auto")) {
      baseWeight[0] = b.model().decoder().parametersByName()
          .get("model.layers.0.mlp.up_proj.weight").getArray().toFloatArray();
    }
    for (int t = 1; t <= 2; t++) {
      Map<String, Object> dpo = (Map<String, Object>) TorchScriptStagesTest.marker(runDir,
          "align/dpo-safe/iteration-" + t).get("dpo");
      assertEquals(4, ((Number) dpo.get("lora_r")).intValue(), dpo.toString());
      assertEquals(base, dpo.get("lora_base"), dpo.toString());
      // qwen2 fixture: 2 layers x (q, k, v, o) x (A [4, in] + B [out, 4]); hidden 32, kv 16
      assertEquals(2 * (4 * 32 + 32 * 4 + 4 * 32 + 16 * 4 + 4 * 32 + 16 * 4 + 4 * 32 + 32 * 4),
          ((Number) dpo.get("lora_trainable_parameters")).intValue(), dpo.toString());
      Path model = runDir.resolve("align/dpo-safe/iteration-" + t + "/model");
      Path adapter = model.resolve("adapter");
      assertTrue(Files.isRegularFile(adapter.resolve("adapter_model.safetensors")), "PEFT file");
      Map<String, Object> cfg = io.dualign.run.Json.readMap(Files.readAllBytes(adapter.resolve(
          "adapter_config.json")));
      assertEquals("LORA", cfg.get("peft_type"));
      assertEquals(base, cfg.get("base_model_name_or_path"));
      try (HfCheckpoint.Loaded merged = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
          model.toUri()), Device.cpu(), "auto")) {
        assertEquals(dpo.get("model_version"), merged.version());
        // MLP projections carry no adapter: merged, they are the base's exactly
        assertArrayEquals(baseWeight[0], merged.model().decoder().parametersByName()
            .get("model.layers.0.mlp.up_proj.weight").getArray().toFloatArray());
      }
    }
    Map<String, Object> second = (Map<String, Object>) TorchScriptStagesTest.marker(runDir,
        "align/dpo-safe/iteration-2").get("dpo");
    Map<String, Object> first = (Map<String, Object>) TorchScriptStagesTest.marker(runDir,
        "align/dpo-safe/iteration-1").get("dpo");
    assertEquals(first.get("model_version"), second.get("previous_version"));
  }

  @Test
  void trainRewardAndCostBuildLoraScoreModelsOnTheHuggingFacePolicysBackbone() throws Exception {
    Path runDir = tmp.resolve("scores");
    List<String> given = new java.util.ArrayList<>(settings());
    given.removeIf(k -> k.startsWith("model.reward=") || k.startsWith("model.cost="));
    given.addAll(List.of("train.lora.r=4", "train.lora.alpha=8", "train.lora.dropout=0",
        "train.rewardEpochs=1", "train.costEpochs=1", "train.batchSize=8"));
    for (String stage : List.of("prepare", "sft", "train-reward", "train-cost")) {
      TorchScriptStagesTest.Result r = TorchScriptStagesTest.run(given, runDir.toString(), stage);
      assertEquals(0, r.code(), () -> stage + " failed: " + r.out() + r.err());
    }
    FileSystem fs = FileSystem.getLocal(new Configuration());
    String backbone = HfFolder.open(fs, new org.apache.hadoop.fs.Path(fixture("qwen2").toUri()))
        .version();
    for (String stage : List.of("train-reward", "train-cost")) {
      Map<String, Object> m = TorchScriptStagesTest.marker(runDir, stage);
      assertEquals("hugging-face", m.get("model_format"), m.toString());
      assertEquals("Qwen2ForSequenceClassification", m.get("architecture"));
      assertEquals(backbone, m.get("sft_version"));
      // the adapter (2 layers x q, k, v, o) and the score head [1, 32]
      assertEquals(2 * (4 * 32 + 32 * 4 + 2 * (4 * 32 + 16 * 4) + 4 * 32 + 32 * 4) + 32,
          ((Number) m.get("trainable_parameters")).intValue(), m.toString());
      assertTrue(((Number) m.get("train_accuracy")).doubleValue() >= 0, m.toString());
      Path model = runDir.resolve(stage).resolve("model");
      Map<String, Object> adapter = io.dualign.run.Json.readMap(Files.readAllBytes(
          model.resolve("adapter/adapter_config.json")));
      assertEquals("SEQ_CLS", adapter.get("task_type"));
      assertEquals(List.of("score"), adapter.get("modules_to_save"));
      try (HfCheckpoint.Loaded sm = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
          model.toUri()), Device.cpu(), "auto")) {
        assertEquals(m.get("model_version"), sm.version());
        try (ai.djl.ndarray.NDManager nm = sm.model().manager().newSubManager()) {
          float[] scores = sm.scoreModel().endScores(nm.create(new long[][] {{5, 6, 7, 8}}),
              null, false).toFloatArray();
          assertEquals(1, scores.length);
          assertTrue(Float.isFinite(scores[0]));
        }
      }
    }
    TorchScriptStagesTest.Result s = TorchScriptStagesTest.run(given, runDir.toString(),
        "sample-ref");
    assertEquals(0, s.code(), () -> "the trained score models score the rollouts: " + s.out()
        + s.err());
  }
}
