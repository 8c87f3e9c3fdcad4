package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.vocabulary.Stage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's estimate: each stage's floating-point work at the token limits over the
 * machine's rate, as the formulas of {@link PipelineEstimate} say, for the methods and sizes the
 * configuration names.
 */
class PipelineEstimateTest {
  private static final double FLOPS = 1e10;

  private static Map<Stage, PipelineEstimate.StageEstimate> estimate(DualignConfig cfg,
      PipelineEstimate.ModelSizes models) {
    PipelineEstimate.DataSizes data = new PipelineEstimate.DataSizes(1000, 100, 900, 90, 0);
    return PipelineEstimate.of(cfg, data, models, FLOPS).stream().collect(Collectors.toMap(
        PipelineEstimate.StageEstimate::stage, Function.identity()));
  }

  @Test
  void eachStageIsItsWorkAtTheMeasuredRate() {
    DualignConfig cfg = ConfigLoader.fromClasspath().load("tiny", null, List.of(
        "train.maxTrainPairs=500", "align.methods=[caid,oneshot,dpo-safe]",
        "align.maxPairs=200", "evaluate.maxPrompts=30"));
    PipelineEstimate.ModelSizes models = new PipelineEstimate.ModelSizes(1_000_000, 500_000,
        false);
    Map<Stage, PipelineEstimate.StageEstimate> e = estimate(cfg, models);
    long tokens = 64 + 64; // tiny's prompt and response limits
    // sft: 500 pairs x 3 epochs, one sequence each, 6 FLOPs per parameter and token, at 0.7
    assertEquals(10 + 500.0 * 3 * tokens * 6 * 1e6 / (FLOPS * 0.7),
        e.get(Stage.SFT).seconds(), 1e-6);
    // train-reward: 500 pairs x 3 epochs x 2 sequences; the 100 held-out pairs scored forward
    assertEquals(10 + 500.0 * 3 * 2 * tokens * 6 * 5e5 / (FLOPS * 0.7)
        + 200.0 * tokens * 2 * 5e5 / (FLOPS * 0.9), e.get(Stage.TRAIN_REWARD).seconds(), 1e-6);
    // score: every pair (align.scoreAllPairs), 2 responses, reward and one utility
    assertEquals(10 + 1100.0 * 2 * 2 * tokens * 2 * 5e5 / (FLOPS * 0.9),
        e.get(Stage.SCORE).seconds(), 1e-6);
    assertEquals("1100 pairs x 2 responses x 2 models", e.get(Stage.SCORE).work());
    // align: 3 methods x T = 2 epochs of 200 pairs; rollouts only for CAID (2 x 16 x 4)
    assertEquals("6 DPO epochs of 200 pairs, 128 rollout samples", e.get(Stage.ALIGN).work());
    // evaluate: pi_ref, CAID's 2 iterations, oneshot, dpo-safe; 30 of the 90 test prompts
    assertEquals("5 policies x 30 prompts x 2 samples", e.get(Stage.EVALUATE).work());
    assertTrue(!e.containsKey(Stage.SWEEP), "no sweep configured");
  }

  @Test
  void loraTrainsAtFourFlopsAndProvidedModelsCostNothing() {
    DualignConfig cfg = ConfigLoader.fromClasspath().load("tiny", null, List.of(
        "align.scoreAllPairs=false", "align.maxPairs=50"));
    PipelineEstimate.ModelSizes full = new PipelineEstimate.ModelSizes(1_000_000, 1_000_000,
        false);
    PipelineEstimate.ModelSizes lora = new PipelineEstimate.ModelSizes(1_000_000, 1_000_000,
        true);
    double fullReward = estimate(cfg, full).get(Stage.TRAIN_REWARD).seconds();
    double loraReward = estimate(cfg, lora).get(Stage.TRAIN_REWARD).seconds();
    double heldOut = 10 + 200.0 * 128 * 2 * 1e6 / (FLOPS * 0.9);
    assertEquals(4.0 / 6, (loraReward - heldOut) / (fullReward - heldOut), 1e-9);
    assertEquals("150 pairs x 2 responses x 2 models",
        estimate(cfg, full).get(Stage.SCORE).work(), "the DPO pairs and the held-out ones");
    DualignConfig provided = ConfigLoader.fromClasspath().load("tiny", null, List.of(
        "model.reward=/tmp"));
    assertEquals(10, estimate(provided, full).get(Stage.TRAIN_REWARD).seconds(), 1e-9);
    assertEquals("provided", estimate(provided, full).get(Stage.TRAIN_REWARD).work());
  }

  @Test
  void thePrintedTableEndsWithTheTotal() {
    DualignConfig cfg = ConfigLoader.fromClasspath().load("tiny", null, List.of());
    List<PipelineEstimate.StageEstimate> e = PipelineEstimate.of(cfg,
        new PipelineEstimate.DataSizes(1000, 100, 900, 90, 83),
        new PipelineEstimate.ModelSizes(2_000_000, 2_000_000, false), FLOPS);
    StringWriter s = new StringWriter();
    PipelineEstimate.print(e, FLOPS, new PrintWriter(s));
    String[] lines = s.toString().split("\n");
    assertTrue(lines[0].startsWith("estimate (this machine: 10.0 GFLOP/s"), lines[0]);
    double total = e.stream().mapToDouble(PipelineEstimate.StageEstimate::seconds).sum();
    assertEquals("  total         ~" + PipelineEstimate.minutes(total), lines[lines.length - 1]);
    assertTrue(s.toString().contains("prompts x 2 samples"), s.toString());
  }

  @Test
  void theMachinesRateIsMeasuredInATask() {
    double flops = PipelineEstimate.measureFlopsInATask(
        io.dualign.dual.TestSpark.local().sparkContext(), 1);
    assertTrue(flops > 1e8 && flops < 1e13, "a CPU's float32 rate: " + flops);
  }
}
