package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.config.ConfigError;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.dual.TestSpark;
import io.dualign.model.Checkpoint;
import io.dualign.model.ModelArchitecture;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.train.StageTraining;
import io.dualign.vocabulary.Stage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sft, train-reward and train-cost stages on a prepared-pairs table with a clear signal. */
class TrainingStagesTest {
  private static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = TestSpark.builder().appName("TrainingStagesTest")
        .config("spark.sql.shuffle.partitions", "2").getOrCreate();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static final String[] TOPICS = {"the garden", "a bicycle", "my taxes", "the kitchen",
      "a resume", "the car", "a party", "my dog", "the roof", "a poem"};
  private static final String[] VERBS = {"fix", "plan", "clean", "improve", "start", "finish"};

  /**
   * Pairs whose labels follow the text: helpful answers give steps, unhelpful ones refuse; unsafe
   * answers talk about weapons and stealing, safe ones do not. Response 0 or 1 at random.
   */
  static List<Row> rows(int n, String split, long seed) {
    Random r = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String topic = TOPICS[r.nextInt(TOPICS.length)];
      String verb = VERBS[r.nextInt(VERBS.length)];
      String prompt = "How do I " + verb + " " + topic + "?";
      String helpful = "First, look at " + topic + ". Then " + verb + " it step by step, "
          + "and check each part carefully.";
      String unhelpful = "I do not know. Maybe ask someone else.";
      boolean helpfulUnsafe = r.nextInt(3) == 0;
      boolean unhelpfulUnsafe = r.nextInt(3) == 0;
      String a = helpfulUnsafe ? helpful + " Bring a weapon and steal the tools." : helpful;
      String b = unhelpfulUnsafe ? unhelpful + " Or steal one with a weapon." : unhelpful;
      boolean swap = r.nextBoolean();
      String r0 = swap ? b : a;
      String r1 = swap ? a : b;
      boolean safe0 = swap ? !unhelpfulUnsafe : !helpfulUnsafe;
      boolean safe1 = swap ? !helpfulUnsafe : !unhelpfulUnsafe;
      int better = swap ? 1 : 0;
      int safer = safe0 == safe1 ? better : (safe0 ? 0 : 1);
      out.add(RowFactory.create(split + "-" + i, "p-" + split + "-" + i, prompt, r0, r1, better,
          safer, safe0, safe1, split));
    }
    return out;
  }

  @Test
  void trainingStagesWriteCheckpointsAndHeldOutFigures(@TempDir Path tmp) throws Exception {
    DualignConfig cfg = ConfigLoader.fromClasspath().load("tiny", null,
        List.of("model.vocabSize=400", "model.dModel=64", "model.layers=2", "model.ffnHidden=128",
            "train.sftEpochs=4", "train.rewardEpochs=4", "train.costEpochs=4"));
    String runDir = tmp.resolve("run").toString();
    try (StageContext ctx = new StageContext(cfg, runDir, "test")) {
      ctx.spark();
      RunDirectory dir = ctx.runDir();
      // Training stages refuse to run before prepare.
      ConfigError missing = assertThrows(ConfigError.class,
          () -> StageRunner.run(ctx, Stage.SFT, StageJobs.job(Stage.SFT)));
      assertTrue(missing.getMessage().contains("prepare"), missing.getMessage());
      List<Row> rows = new ArrayList<>(rows(96, "train", 1));
      rows.addAll(rows(32, "test", 2));
      PendingOutput prep = dir.begin("prepare");
      spark.createDataFrame(rows, PreparedPairs.SCHEMA).write().parquet(prep.uri("pairs"));
      prep.commit(Map.of("pairs", rows.size()));

      Map<String, Object> sft = StageRunner.run(ctx, Stage.SFT,
          StageJobs.job(Stage.SFT)).marker();
      assertEquals(96, ((Number) sft.get("train_pairs")).intValue());
      assertEquals(192, ((Number) sft.get("train_examples")).intValue());
      assertEquals(64, ((Number) sft.get("test_examples")).intValue());
      double before = ((Number) sft.get("heldout_loss_before")).doubleValue();
      double after = ((Number) sft.get("heldout_loss")).doubleValue();
      assertTrue(after < before * 0.5, "sft held-out loss " + before + " -> " + after);
      assertEquals(0, ((Number) sft.get("prompts_truncated")).intValue());
      // local mode: no task GPU, so the task trains on the CPU and says so
      assertEquals(Map.of("compute", "cpu()", "task_gpu_addresses", List.of()),
          sft.get("device"));

      Map<String, Object> reward = StageRunner.run(ctx, Stage.TRAIN_REWARD,
          StageJobs.job(Stage.TRAIN_REWARD)).marker();
      double acc = ((Number) reward.get("heldout_accuracy")).doubleValue();
      assertTrue(acc >= 0.9, "reward held-out accuracy " + acc + " (labels are noise-free)");
      assertEquals(sft.get("model_version"), reward.get("sft_version"));

      Map<String, Object> cost = StageRunner.run(ctx, Stage.TRAIN_COST,
          StageJobs.job(Stage.TRAIN_COST)).marker();
      System.out.println("sft: " + sft + "\ntrain-reward: " + reward + "\ntrain-cost: " + cost);
      double sign = ((Number) cost.get("heldout_sign_accuracy")).doubleValue();
      assertTrue(sign >= 0.9, "cost sign accuracy " + sign + ": " + cost);

      // The checkpoints load with the architecture the config describes.
      org.apache.hadoop.fs.Path model = new org.apache.hadoop.fs.Path(
          dir.path("train-cost"), TrainModelJob.MODEL);
      ModelArchitecture expected = StageTraining.architecture(cfg.model(),
          ModelArchitecture.Head.SCORE);
      try (Checkpoint.Loaded c = Checkpoint.load(dir.fs(), model, expected, Device.cpu())) {
        assertEquals(cost.get("model_version"), c.version());
      }
      assertFalse(StageRunner.run(ctx, Stage.SFT, StageJobs.job(Stage.SFT))
          .marker().isEmpty());
    }
  }
}
