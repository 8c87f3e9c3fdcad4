package io.dualign.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.algo.align.PolicyRollouts;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.Moments;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.SlackFigures;
import io.dualign.spark.dual.ConstraintEstimator;
import io.dualign.spark.dual.SampleTable;
import io.dualign.vocabulary.Stage;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on the embedded default, tiny profile: prepare → sft → train-reward → train-cost →
 * sample-ref → score → solve-dual → align (caid, then oneshot for the comparison). Asserts λ finite
 * and moving up when the constraint is violated, and the final CAID policy meeting the constraint
 * within 2 standard errors by the learned cost model; prints Δ safety vs π_ref and Δ reward vs
 * one-shot on held-out prompts by the learned models and the gold scorer.
 */
class AlignEndToEndIT {
  static final List<String> SETS = List.of("data.syntheticPairs=600", "model.vocabSize=400",
      "model.dModel=64", "model.layers=2", "model.ffnHidden=128", "align.maxPairs=128",
      "align.rolloutPrompts=16", "align.rolloutSamples=4");

  private static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  /** Held-out figures of a policy: learned reward and utility, gold reward and −gold cost. */
  private static Moments[] heldOut(StageContext ctx, PolicyRollouts r, Dataset<Row> prompts,
      String policyDir, int tag) {
    Dataset<Row> rows = r.rollout(ctx.spark(), prompts, policyDir, ctx.runId(), 1000 + tag, 4)
        .withColumn("gold_safety", col("gold_cost").multiply(lit(-1.0))).cache();
    return ConstraintEstimator.moments(rows, List.of(SampleTable.REWARD, "utility_safety",
        "gold_reward", "gold_safety"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void caidOnTheEmbeddedDefault(@TempDir Path tmp) throws Exception {
    // -Ddualign.e2e.profile=tiny|default runs the named profile as shipped (for the figures of a
    // closing note); by default the tiny profile with a smaller model and data, for CI time.
    String profile = System.getProperty("dualign.e2e.profile");
    DualignConfig cfg = ConfigLoader.fromClasspath().load(profile == null ? "tiny" : profile, null,
        profile == null ? SETS : List.of());
    try (StageContext ctx = new StageContext(cfg, tmp.resolve("run").toString(), "e2e")) {
      for (Stage s : List.of(Stage.PREPARE, Stage.SFT, Stage.TRAIN_REWARD, Stage.TRAIN_COST,
          Stage.SAMPLE_REF, Stage.SCORE, Stage.SOLVE_DUAL)) {
        StageRunner.run(ctx, s, StageJobs.job(s));
      }
      // The align stage as pipeline runs it: every method of align.methods (caid, oneshot), each
      // committed as align/<method>, then the stage's marker.
      assertEquals(List.of("caid", "oneshot"), cfg.align().methods());
      Map<String, Object> stage = StageRunner.run(ctx, Stage.ALIGN,
          StageJobs.job(Stage.ALIGN)).marker();
      RunDirectory dir = ctx.runDir();
      assertEquals(io.dualign.run.OutputState.COMMITTED, dir.state("align"));
      Map<String, Object> caid = dir.marker("align/caid").orElseThrow();
      Map<String, Object> one = dir.marker("align/oneshot").orElseThrow();
      assertEquals(caid.get("lambda_trajectory"), ((Map<String, Map<String, Object>>) stage
          .get("methods")).get("caid").get("lambda_trajectory"));
      List<Map<String, Object>> traj = (List<Map<String, Object>>) caid.get("lambda_trajectory");
      assertEquals(cfg.align().iterations(), traj.size());
      for (int t = 1; t < traj.size(); t++) {
        double before = num(traj.get(t - 1).get("safety"));
        double after = num(traj.get(t).get("safety"));
        assertTrue(Double.isFinite(after) && after >= 0, "λ finite: " + traj);
        Map<String, Object> est = ((List<Map<String, Object>>) dir.marker(
            "align/caid/iteration-" + t).orElseThrow().get("estimate")).get(0);
        if (num(est.get("slack")) < 0) {
          assertTrue(after > before, "violated at iteration " + t + " (" + est + "): λ " + before
              + " -> " + after);
        }
      }

      PolicyRollouts r = AlignRollouts.fromConfig(ctx);
      String finalCaid = dir.path("align/caid/iteration-" + cfg.align().iterations()) + "/model";
      String finalOne = dir.path("align/oneshot/iteration-" + cfg.align().iterations())
          + "/model";
      // The constraint at the end, as the loop measures it (train prompts, learned cost model).
      Dataset<Row> train = ctx.spark().read().parquet(dir.path("score") + "/pairs")
          .filter("split = 'train'").select("prompt_id", "prompt").dropDuplicates("prompt_id")
          .orderBy("prompt_id").limit(32);
      Dataset<Row> ref = ctx.spark().read().schema(SampleTable.schema(cfg.dual().constraints()))
          .parquet(dir.path("sample-ref") + "/samples");
      ConstraintEstimate end = ConstraintEstimator.estimate(r.rollout(ctx.spark(), train,
          finalCaid, ctx.runId(), 999, 4), ref, cfg.dual().constraints());
      double u = end.slack()[0];
      double se = end.standardError()[0];
      System.out.println("final CAID constraint (learned cost): " + SlackFigures.of(end));
      assertTrue(u >= -2 * se, "constraint met within 2 standard errors: û = " + u + ", se = "
          + se);

      Dataset<Row> test = ctx.spark().read().parquet(dir.path("score") + "/pairs")
          .filter("split = 'test'").select("prompt_id", "prompt").dropDuplicates("prompt_id")
          .orderBy("prompt_id").limit(32);
      Moments[] mRef = heldOut(ctx, r, test, dir.path("sft") + "/model", 0);
      Moments[] mCaid = heldOut(ctx, r, test, finalCaid, 1);
      Moments[] mOne = heldOut(ctx, r, test, finalOne, 2);
      double b = cfg.dual().constraints().get(0).threshold();
      System.out.println(String.format(Locale.ROOT, "RESULT b=%.3f lambda=%s "
          + "dsafety_vs_ref_learned=%.4f dsafety_vs_ref_gold=%.4f "
          + "dreward_vs_oneshot_learned=%.4f dreward_vs_oneshot_gold=%.4f "
          + "dsafety_oneshot_vs_ref_learned=%.4f dsafety_oneshot_vs_ref_gold=%.4f n=%d",
          b, traj, mCaid[1].mean() - mRef[1].mean(), mCaid[3].mean() - mRef[3].mean(),
          mCaid[0].mean() - mOne[0].mean(), mCaid[2].mean() - mOne[2].mean(),
          mOne[1].mean() - mRef[1].mean(), mOne[3].mean() - mRef[3].mean(), mRef[0].count()));
      System.out.println("caid: " + caid + "\noneshot: " + one);
    }
  }
}
