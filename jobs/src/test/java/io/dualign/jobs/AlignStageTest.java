package io.dualign.jobs;

import static io.dualign.jobs.AlignFixture.lambda;
import static io.dualign.jobs.AlignFixture.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.algo.align.AlignMethods;
import io.dualign.algo.align.AlignRun;
import io.dualign.config.DualignConfig;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.Markers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The align stage on a small run: baselines, CAID's dual step, commits and resume. */
class AlignStageTest {
  @Test
  @SuppressWarnings("unchecked")
  void methodsCommitIterationsAndCaidStepsLambda(@TempDir Path tmp) throws Exception {
    DualignConfig cfg = AlignFixture.config(List.of());
    try (StageContext ctx = new StageContext(cfg, tmp.resolve("run").toString(), "test")) {
      AlignFixture.build(ctx);
      RunDirectory dir = ctx.runDir();
      double lambdaStar = num(((Map<String, Object>) dir.marker("solve-dual").orElseThrow()
          .get("lambda")).get("safety"));
      AlignJob job = new AlignJob(AlignFixture.rollouts(cfg));

      // dpo-safe: labels are the data's safer_response_id; λ plays no part.
      Map<String, Object> safe = Markers.toMap(job.runMethod(ctx, AlignMethods.of("dpo-safe")));
      assertEquals(OutputState.COMMITTED, dir.state("align/reference"));
      Dataset<Row> pairs = ctx.spark().read().parquet(dir.path("align/dpo-safe/iteration-1")
          + "/pairs");
      assertEquals(48, pairs.count());
      assertEquals(0, pairs.filter("preferred_id <> safer_response_id").count());
      assertEquals(2, ((List<Object>) safe.get("lambda_trajectory")).size());

      // one-shot: pseudo-labels at the fixed λ*, fresh draws each epoch, λ never moves.
      Map<String, Object> one = Markers.toMap(job.runMethod(ctx, AlignMethods.of("oneshot")));
      for (int t = 1; t <= 2; t++) {
        Map<String, Object> it = dir.marker(AlignRun.iterationOutput(AlignMethods.of("oneshot"), t))
            .orElseThrow();
        assertEquals(lambdaStar, lambda(it, "lambda"), 0.0);
        Map<String, Object> dpo = (Map<String, Object>) it.get("dpo");
        assertEquals(48, num(dpo.get("pairs")), 0.0);
        assertEquals(Map.of("compute", "cpu()", "task_gpu_addresses", List.of()),
            it.get("device"));
        assertTrue(Double.isFinite(num(dpo.get("dpo_loss"))), dpo.toString());
        assertTrue(Double.isFinite(num(dpo.get("kl_pairs"))), dpo.toString());
        assertNull(it.get("estimate"));
      }
      Dataset<Row> p1 = ctx.spark().read().parquet(dir.path("align/oneshot/iteration-1")
          + "/pairs").select("pair_id", "prefer_1_probability");
      // The relabelled probabilities are σ(gap) with gap = Δr + λ*·Δg.
      for (Row r : ctx.spark().read().parquet(dir.path("align/oneshot/iteration-1") + "/pairs")
          .collectAsList()) {
        double gap = r.getDouble(r.fieldIndex("reward_1")) - r.getDouble(r.fieldIndex("reward_0"))
            + lambdaStar * (r.getDouble(r.fieldIndex("utility_safety_1"))
            - r.getDouble(r.fieldIndex("utility_safety_0")));
        assertEquals(1 / (1 + Math.exp(-gap)), r.getDouble(r.fieldIndex("prefer_1_probability")),
            1e-12);
      }
      assertEquals(48, p1.count());
      assertEquals(2, ((List<Object>) one.get("lambda_trajectory")).size());

      // CAID: rollouts of θ(1), û from them against the reference samples, one dual step.
      Map<String, Object> caid = Markers.toMap(job.runMethod(ctx, AlignMethods.of("caid")));
      Map<String, Object> it1 = dir.marker("align/caid/iteration-1").orElseThrow();
      assertEquals(lambdaStar, lambda(it1, "lambda"), 0.0);
      Map<String, Object> est = ((List<Map<String, Object>>) it1.get("estimate")).get(0);
      double u = num(est.get("slack"));
      assertEquals(32, num(est.get("n")), 0.0);
      assertTrue(num(est.get("stderr")) >= 0);
      double expected = Math.min(cfg.dual().lambdaMaxArray()[0],
          Math.max(0, lambdaStar - cfg.dual().eta() * u));
      assertEquals(expected, lambda(it1, "next_lambda"), 1e-12);
      if (u < 0) {
        assertTrue(lambda(it1, "next_lambda") > lambdaStar, "violated constraint raises λ");
      }
      Map<String, Object> rollout = (Map<String, Object>) it1.get("rollout");
      assertEquals(32, num(rollout.get("rows")), 0.0);
      Map<String, Object> it2 = dir.marker("align/caid/iteration-2").orElseThrow();
      assertEquals(lambda(it1, "next_lambda"), lambda(it2, "lambda"), 0.0);
      assertNull(it2.get("next_lambda"));
      List<Map<String, Object>> traj = (List<Map<String, Object>>) caid.get("lambda_trajectory");
      assertEquals(List.of(lambdaStar, lambda(it1, "next_lambda")),
          traj.stream().map(m -> num(m.get("safety"))).toList());
      assertNotNull(dir.path("align/caid/iteration-1/model"));
      assertTrue(dir.fs().exists(new org.apache.hadoop.fs.Path(
          dir.path("align/caid/iteration-2"), "model/checkpoint.json")));
      System.out.println("align caid: " + caid + "\noneshot: " + one + "\ndpo-safe: " + safe);

      // Resume: the last iteration and the method marker removed, a rerun redoes iteration 2
      // from the committed λ(2) and θ(1): the same λ, the same data order, the same figures.
      dir.fs().delete(dir.path("align/caid/iteration-2"), true);
      dir.fs().delete(new org.apache.hadoop.fs.Path(dir.path("align/caid"), "_SUCCESS.json"),
          false);
      Map<String, Object> again = Markers.toMap(job.runMethod(ctx, AlignMethods.of("caid")));
      assertEquals(caid.get("lambda_trajectory"), again.get("lambda_trajectory"));
      Map<String, Object> d1 = (Map<String, Object>) caid.get("final_dpo");
      Map<String, Object> d2 = (Map<String, Object>) again.get("final_dpo");
      assertEquals(num(d1.get("dpo_loss")), num(d2.get("dpo_loss")), 1e-5);
      assertEquals(num(d1.get("kl_pairs")), num(d2.get("kl_pairs")), 1e-4);
      assertEquals(d1.get("data_order_seed"), d2.get("data_order_seed"));

      // Killed after the last iteration's commit but before the method's marker: the rerun
      // trains nothing and writes the marker from the committed iterations.
      dir.fs().delete(new org.apache.hadoop.fs.Path(dir.path("align/caid"), "_SUCCESS.json"),
          false);
      String version = (String) ((Map<String, Object>) dir.marker("align/caid/iteration-2")
          .orElseThrow().get("dpo")).get("model_version");
      Map<String, Object> third = Markers.toMap(job.runMethod(ctx, AlignMethods.of("caid")));
      assertEquals(again.get("lambda_trajectory"), third.get("lambda_trajectory"));
      assertEquals(version, ((Map<String, Object>) third.get("final_dpo")).get("model_version"));

      // The stage marker once every configured method (caid, oneshot) is committed.
      assertTrue(AlignJob.commitStageIfComplete(ctx));
      assertEquals(OutputState.COMMITTED, dir.state("align"));
    }
  }
}
