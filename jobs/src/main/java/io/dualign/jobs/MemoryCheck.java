package io.dualign.jobs;

import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.config.TrainSettings;
import io.dualign.model.MemoryPlan;
import io.dualign.model.ModelFormat;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.hf.HfConfig;
import io.dualign.model.hf.HfFolder;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.spark.RunModels;
import io.dualign.vocabulary.Stage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;

/**
 * {@code MemoryCheck} is the driver's memory plan for a stage about to run, made before any
 * model is loaded: the training stages (train-reward and train-cost on a Hugging Face policy's
 * backbone, the DPO epoch of align) and sample-ref's generation, each as {@link MemoryPlan}
 * estimates it for the Hugging Face model the stage uses, against the memory a task has
 * ({@code runtime.taskMemoryBytes}, or the executor's or the host's). A plan that does not fit
 * refuses the stage (exit 2) with the figures and the settings that would fit. Built-in and
 * TorchScript models are not planned.
 */
final class MemoryCheck {
  private MemoryCheck() {}

  /** One planned piece of work. */
  record Plan(String work, MemoryPlan.Estimate estimate, String fix) {}

  /** Refuses {@code stage} when its plan does not fit the task's memory. */
  static void require(StageContext ctx, Stage stage) throws IOException {
    long limit = taskMemory(ctx.config(), ctx.spark().sparkContext().getConf());
    Optional<HfConfig> policy = policyConfig(policyFolder(ctx, stage),
        ctx.spark().sparkContext().hadoopConfiguration());
    if (policy.isEmpty()) {
      return;
    }
    boolean gpu = ctx.spark().sparkContext().getConf().getDouble(
        "spark.task.resource.gpu.amount", 0) > 0;
    for (Plan p : plans(ctx.config(), stage, policy.get(), gpu, limit)) {
      if (p.estimate().total() > limit) {
        throw new ConfigError(stage.cliName() + ": " + p.work() + " needs "
            + p.estimate().describe() + "; a task has " + MemoryPlan.gb(limit)
            + " (runtime.taskMemoryBytes)" + (p.fix() == null ? "" : "; " + p.fix()));
      }
    }
  }

  /**
   * The bound of the executors' model cache: {@code runtime.modelCacheBytes}, or half the memory
   * one task may use ({@link #taskMemory}) when it is 0.
   */
  static long modelCacheBytes(DualignConfig cfg, SparkConf conf) {
    long set = cfg.runtime().modelCacheBytes();
    return set > 0 ? set : Math.max(1, taskMemory(cfg, conf) / 2);
  }

  /** The memory one task may use: the setting, else the executor's, else the host's. */
  static long taskMemory(DualignConfig cfg, SparkConf conf) {
    if (cfg.runtime().taskMemoryBytes() > 0) {
      return cfg.runtime().taskMemoryBytes();
    }
    String master = conf.get("spark.master", "local[*]");
    if (!master.startsWith("local") && conf.contains("spark.executor.memory")) {
      long heap = conf.getSizeAsBytes("spark.executor.memory");
      long overhead = conf.contains("spark.executor.memoryOverhead")
          ? conf.getSizeAsBytes("spark.executor.memoryOverhead") : 0;
      return heap + overhead;
    }
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getTotalMemorySize();
  }

  /** The Hugging Face folder the stage trains or samples, or none. */
  private static Optional<String> policyFolder(StageContext ctx, Stage stage) {
    RunDirectory dir = ctx.runDir();
    if (stage == Stage.SFT || stage == Stage.PREPARE) {
      return Optional.empty();
    }
    if (dir.state(Stage.SFT.cliName()) != OutputState.COMMITTED) {
      return Optional.empty(); // the stage itself says what is missing
    }
    return Optional.of(RunModels.location(dir, Stage.SFT));
  }

  /** The configuration of the policy folder when it is a Hugging Face model. */
  static Optional<HfConfig> policyConfig(Optional<String> folder, Configuration hadoop)
      throws IOException {
    if (folder.isEmpty()) {
      return Optional.empty();
    }
    Path p = new Path(folder.get());
    FileSystem fs = p.getFileSystem(hadoop);
    if (ModelFormat.detect(fs, p) != ModelFormat.HUGGING_FACE) {
      return Optional.empty();
    }
    return Optional.of(HfFolder.open(fs, p).config());
  }

  /**
   * The plans of {@code stage} with a Hugging Face policy of configuration {@code hc}, each
   * with the settings that would fit {@code limit} when it does not. On a GPU ({@code gpu})
   * the computation runs in the weights' type, on a CPU in float32.
   */
  static List<Plan> plans(DualignConfig cfg, Stage stage, HfConfig hc, boolean gpu,
      long limit) {
    List<Plan> out = new ArrayList<>();
    int weightBytes = HfCheckpoint.weightType(cfg.model().dtype(), hc).getNumOfBytes();
    int computeBytes = gpu ? weightBytes : 4;
    MemoryPlan.Shape shape = hc.memoryShape();
    int tokens = cfg.model().maxPromptTokens() + cfg.model().maxResponseTokens();
    switch (stage) {
      case ALIGN -> out.add(training("the DPO epoch", shape, weightBytes, computeBytes,
          cfg.train(), cfg.align().batchSize(), "align.batchSize", tokens,
          cfg.model().maxResponseTokens(), limit));
      case TRAIN_REWARD, TRAIN_COST -> {
        if (cfg.model().provided(stage) == null) {
          out.add(training("training the score model", shape, weightBytes, computeBytes,
              cfg.train(), cfg.train().batchSize(), "train.batchSize", tokens, 0, limit));
        }
      }
      case SAMPLE_REF -> {
        long batch = cfg.rollout().batchSize();
        MemoryPlan.Estimate e = generation(shape, weightBytes, computeBytes, batch, cfg);
        String fix = null;
        if (e.total() > limit) {
          for (long b = batch / 2; b >= 1; b /= 2) {
            if (generation(shape, weightBytes, computeBytes, b, cfg).total() <= limit) {
              fix = "set rollout.batchSize = " + b + " (needs "
                  + MemoryPlan.gb(generation(shape, weightBytes, computeBytes, b, cfg).total()) + ")";
              break;
            }
          }
        }
        out.add(new Plan("generating " + batch + " rows of up to "
            + (cfg.model().maxPromptTokens() + cfg.rollout().maxNewTokens()) + " tokens with "
            + shape.parameters() / 1_000_000 + "M parameters", e, fix));
      }
      default -> { }
    }
    return out;
  }

  private static MemoryPlan.Estimate generation(MemoryPlan.Shape s, int weightBytes,
      int computeBytes, long batch, DualignConfig cfg) {
    return MemoryPlan.generation(s, weightBytes, computeBytes, batch, cfg.model().maxPromptTokens(),
        cfg.rollout().maxNewTokens());
  }

  /**
   * A training step's plan: {@code pairs} pairs per micro-batch (chosen and rejected: twice as
   * many sequences) when {@code responseTokens > 0} (DPO), else score-model pairs. A smaller
   * micro-batch that fits comes with the {@code train.gradAccumulation} that keeps the pairs of
   * one optimizer step.
   */
  private static Plan training(String work, MemoryPlan.Shape s, int weightBytes,
      int computeBytes, TrainSettings train, int pairs, String batchKey, int tokens,
      int responseTokens, long limit) {
    TrainSettings.Lora lora = train.lora();
    MemoryPlan.Estimate e = step(s, weightBytes, computeBytes, lora.r(), lora.targetModules(),
        pairs, tokens, responseTokens);
    String what = (lora.enabled() ? "LoRA r = " + lora.r() : "full fine-tuning") + " of "
        + String.format(java.util.Locale.ROOT, "%.2fB", s.parameters() / 1e9) + " parameters, "
        + 2 * pairs + " sequences of " + tokens + " tokens";
    String fix = null;
    if (e.total() > limit) {
      List<String> targets = lora.enabled() ? lora.targetModules()
          : List.of("q_proj", "k_proj", "v_proj", "o_proj");
      int r = lora.enabled() ? lora.r() : 8;
      MemoryPlan.Estimate withLora = step(s, weightBytes, computeBytes, r, targets, pairs, tokens,
          responseTokens);
      if (!lora.enabled() && withLora.total() <= limit) {
        fix = "set train.lora.r = 8 (needs " + MemoryPlan.gb(withLora.total()) + ")";
      } else {
        for (int b = pairs / 2; b >= 1; b /= 2) {
          MemoryPlan.Estimate smaller = step(s, weightBytes, computeBytes, r, targets, b, tokens,
              responseTokens);
          if (smaller.total() <= limit) {
            long perStep = (long) pairs * train.gradAccumulation();
            fix = (lora.enabled() ? "" : "set train.lora.r = 8 and ") + "set " + batchKey
                + " = " + b + " (needs " + MemoryPlan.gb(smaller.total()) + ")"
                + (perStep % b == 0 ? " with train.gradAccumulation = " + perStep / b
                    + " to keep " + perStep + " pairs per optimizer step" : "");
            break;
          }
        }
      }
      if (fix == null) {
        fix = "no LoRA rank or batch size fits: the weights alone take "
            + MemoryPlan.gb(e.weights()) + "; use model.dtype = float16 or a larger device";
      }
    }
    return new Plan(work + " (" + what + ")", e, fix);
  }

  private static MemoryPlan.Estimate step(MemoryPlan.Shape s, int weightBytes,
      int computeBytes, int r, List<String> targets, int pairs, int tokens, int responseTokens) {
    long trainable = r > 0 ? s.loraParameters(r, targets) + (responseTokens == 0 ? s.hidden() : 0)
        : s.parameters();
    return MemoryPlan.training(s, weightBytes, computeBytes, trainable,
        2L * pairs, tokens, 2L * pairs * responseTokens);
  }
}
