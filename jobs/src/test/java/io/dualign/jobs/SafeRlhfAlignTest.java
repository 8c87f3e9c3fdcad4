package io.dualign.jobs;

import static io.dualign.jobs.AlignFixture.lambda;
import static io.dualign.jobs.AlignFixture.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.algo.align.AlignMethods;
import io.dualign.algo.align.AlignRun;
import io.dualign.config.DualignConfig;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.EvaluateMarker;
import io.dualign.run.marker.Markers;
import io.dualign.vocabulary.Stage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The primal-dual baseline {@code align --method safe-rlhf} on the {@link AlignFixture} run:
 * CAID's loop (relabel at λ(t), one DPO epoch, rollouts, û) started at
 * {@code dual.safeRlhf.lambdaInit} without solve-dual, and Safe RLHF's multiplier step
 * ln λ ← ln λ − α·λ·û; then evaluated, summarised and drawn with the other methods.
 */
class SafeRlhfAlignTest {
  @Test
  @SuppressWarnings("unchecked")
  void startsAtItsOwnLambdaAndStepsLnLambdaFromRollouts(@TempDir Path tmp) throws Exception {
    double alpha = 0.2;
    double init = 0.5;
    DualignConfig cfg = AlignFixture.config(List.of("dual.safeRlhf.alpha=" + alpha,
        "dual.safeRlhf.lambdaInit=" + init, "align.methods=[safe-rlhf]",
        "evaluate.maxPrompts=4", "evaluate.bootstrapSamples=200"));
    try (StageContext ctx = new StageContext(cfg, tmp.resolve("run").toString(), "test")) {
      AlignFixture.build(ctx);
      RunDirectory dir = ctx.runDir();
      dir.discard(Stage.SOLVE_DUAL.cliName()); // Safe RLHF does not start from λ*

      Map<String, Object> m = Markers.toMap(new AlignJob(AlignFixture.rollouts(cfg))
          .runMethod(ctx, AlignMethods.of("safe-rlhf")));
      Map<String, Object> it1 = dir.marker(AlignRun.iterationOutput(AlignMethods.of("safe-rlhf"), 1))
          .orElseThrow();
      assertEquals(init, lambda(it1, "lambda"), 0.0);
      assertEquals(cfg.dual().safeRlhfUpdate().toString(), it1.get("dual_update"));
      assertTrue(((String) it1.get("dual_update")).startsWith("SafeRlhfDualUpdate[α=0.2"));
      Map<String, Object> est = ((List<Map<String, Object>>) it1.get("estimate")).get(0);
      double u = num(est.get("slack"));
      assertEquals(32, num(est.get("n")), 0.0, "8 prompts x 4 rollouts of θ(1)");
      double expected = Math.min(cfg.dual().safeRlhfUpdate().lambdaMax()[0],
          Math.exp(Math.log(init) - alpha * init * u));
      assertEquals(expected, lambda(it1, "next_lambda"), 1e-12);
      assertTrue(u < 0 == lambda(it1, "next_lambda") > init, "a violated constraint raises λ");
      // the pairs of iteration 1 are pseudo-labelled at λ(1) = 0.5: σ(Δr + λ·Δg)
      for (Row r : ctx.spark().read().parquet(dir.path("align/safe-rlhf/iteration-1")
          + "/pairs").collectAsList()) {
        double gap = r.getDouble(r.fieldIndex("reward_1")) - r.getDouble(r.fieldIndex("reward_0"))
            + init * (r.getDouble(r.fieldIndex("utility_safety_1"))
            - r.getDouble(r.fieldIndex("utility_safety_0")));
        assertEquals(1 / (1 + Math.exp(-gap)), r.getDouble(r.fieldIndex("prefer_1_probability")),
            1e-12);
      }
      Map<String, Object> it2 = dir.marker(AlignRun.iterationOutput(AlignMethods.of("safe-rlhf"), 2))
          .orElseThrow();
      assertEquals(lambda(it1, "next_lambda"), lambda(it2, "lambda"), 0.0);
      assertNull(it2.get("next_lambda"));
      assertEquals(List.of(init, lambda(it1, "next_lambda")),
          ((List<Map<String, Object>>) m.get("lambda_trajectory")).stream()
              .map(x -> num(x.get("safety"))).toList());
      assertTrue(AlignJob.commitStageIfComplete(ctx));

      // evaluated next to π_ref (its final iteration, like one-shot), summarised and drawn
      AlignFixture.writePromptsTable(ctx);
      Map<String, Object> eval = StageRunner.run(ctx, Stage.EVALUATE,
          new EvaluateJob(AlignFixture.rollouts(cfg))).marker();
      Map<String, Object> policies = (Map<String, Object>) eval.get("policies");
      assertEquals(List.of("reference", "safe-rlhf"), List.copyOf(policies.keySet()));
      Map<String, Object> s = (Map<String, Object>) policies.get("safe-rlhf");
      List<String> lines = RunSummary.lines("safety", 0.3, true,
          ctx.runDir().marker("evaluate", EvaluateMarker.class).orElseThrow(), null, null);
      assertEquals(6, lines.size(), lines.toString());
      assertTrue(lines.get(5).startsWith(String.format(java.util.Locale.ROOT,
          "Safe RLHF (primal-dual baseline): Δ safety %+.3f", num(s.get("delta_utility_safety")))),
          lines.get(5));
      StageRunner.Outcome rep = StageRunner.run(ctx, Stage.REPORT, new ReportJob());
      Map<String, Object> points = (Map<String, Object>) rep.marker().get("chart_points");
      assertEquals(Map.of("Safe RLHF (final iteration)", 1), points.get("threshold"));
      // its λ path is drawn in the dual chart and listed under the dual trajectory
      assertTrue(((List<String>) rep.marker().get("charts")).contains("charts/dual.png"));
      String page = java.nio.file.Files.readString(tmp.resolve("run/report/index.html"));
      assertTrue(page.contains("Dual trajectory (CAID, Safe RLHF)"), page);
      assertTrue(page.contains("<td>safety (Safe RLHF)</td>"), page);
      assertEquals(OutputState.COMMITTED, dir.state(Stage.REPORT.cliName()));
    }
  }
}
