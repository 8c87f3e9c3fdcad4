package io.dualign.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.dual.Constraint;
import io.dualign.eval.EvaluationTables;
import io.dualign.eval.SweepTable;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.SweepLayout;
import io.dualign.vocabulary.Stage;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The threshold sweep on a small real run (the {@link AlignFixture} run: a real sft π_ref, pairs
 * and rollouts scored by the {@link TextRuleRollouts} rule): dual.sweep = [0.3, 0] runs
 * solve-dual, align (CAID and one-shot, T = 2) and evaluate per b under sweep/b=&lt;b&gt;/, writes
 * the frontier table, resumes without redoing committed b's, and the report draws Fig. 1a and 1b
 * with one point per b and method.
 */
class SweepJobTest {
  @Test
  @SuppressWarnings("unchecked")
  void sweepsTwoThresholdsResumesAndReportsTheFrontier(@TempDir Path tmp) throws Exception {
    DualignConfig cfg = AlignFixture.config(List.of("dual.sweep=[0.3,0.0]",
        "evaluate.maxPrompts=4", "evaluate.bootstrapSamples=200"));
    Constraint safety = cfg.dual().constraints().get(0);
    try (StageContext ctx = new StageContext(cfg, tmp.resolve("run").toString(), "test")) {
      AlignFixture.build(ctx);
      RunDirectory dir = ctx.runDir();
      AlignFixture.writePromptsTable(ctx);
      Map<String, Object> mainSolve = dir.marker("solve-dual").orElseThrow();

      // an empty sweep is a usage error naming the key, before anything is written
      StageContext none = ctx.derive(cfg.with(Map.of("dual.sweep", List.of())), dir);
      ConfigError empty = assertThrows(ConfigError.class,
          () -> new SweepJob(AlignFixture.rollouts(cfg)).runParts(none));
      assertTrue(empty.getMessage().contains("dual.sweep is empty"), empty.getMessage());

      StageRunner.Outcome o = StageRunner.run(ctx, Stage.SWEEP,
          new SweepJob(AlignFixture.rollouts(cfg)));
      assertFalse(o.skipped());
      assertEquals(List.of(0.3, 0.0), o.marker().get("thresholds"));
      assertEquals(List.of("caid", "oneshot"), o.marker().get("methods"));

      // layout: per-b outputs under sweep/b=<b>/, shared inputs stay the run's own
      for (String b : List.of("0", "0.3")) {
        for (String out : List.of("", "/solve-dual", "/align", "/align/caid",
            "/align/caid/iteration-2", "/align/oneshot", "/evaluate")) {
          assertEquals(OutputState.COMMITTED, dir.state("sweep/b=" + b + out), b + out);
        }
        assertTrue(Files.notExists(tmp.resolve("run/sweep/b=" + b + "/align/reference")));
        assertTrue(Files.notExists(tmp.resolve("run/sweep/b=" + b + "/align/dpo-helpful")));
      }
      assertEquals(OutputState.COMMITTED, dir.state("align/reference"), "shared, computed once");
      assertEquals(OutputState.ABSENT, dir.state("align/caid"), "the run's own align did not run");
      assertEquals(OutputState.ABSENT, dir.state("evaluate"));
      assertEquals(mainSolve, dir.marker("solve-dual").orElseThrow(), "the run's own b untouched");

      // the dual: a larger b of a relative constraint needs a larger λ* (the tilted policy
      // π_ref·exp(r/β) is less safe than π_ref here, so even b = 0 needs λ* > 0); the sweep's
      // b = 0.3 is the run's own threshold, so its λ* is the run's own solve-dual's, exactly
      Map<String, Object> b0 = dir.marker("sweep/b=0").orElseThrow();
      Map<String, Object> b5 = dir.marker("sweep/b=0.3").orElseThrow();
      double star0 = ((Number) b0.get("lambda_star")).doubleValue();
      double star5 = ((Number) b5.get("lambda_star")).doubleValue();
      assertTrue(star0 >= 0, "λ*(0) = " + star0);
      assertTrue(star5 > star0, "λ*(0.3) = " + star5 + " > λ*(0) = " + star0);
      assertTrue(star5 < cfg.dual().lambdaMaxArray()[0], "b = 0.3 is feasible: " + star5);
      assertEquals(((Number) ((Map<String, Object>) mainSolve.get("lambda")).get("safety"))
          .doubleValue(), star5, 0.0);
      Map<String, Object> solve5 = dir.marker("sweep/b=0.3/solve-dual").orElseThrow();
      assertEquals(star5, ((Number) ((Map<String, Object>) solve5.get("lambda"))
          .get("safety")).doubleValue(), 0.0);
      Map<String, Object> caid5 = dir.marker("sweep/b=0.3/align/caid").orElseThrow();
      List<Object> traj = (List<Object>) caid5.get("lambda_trajectory");
      assertEquals(star5, ((Number) ((Map<String, Object>) traj.get(0)).get("safety"))
          .doubleValue(), 0.0, "CAID starts at this b's λ*");

      // per-b summaries carry their b
      Map<Double, Map<String, Row>> summaries = new HashMap<>();
      for (double b : List.of(0.0, 0.3)) {
        List<Row> rows = ctx.spark().read()
            .schema(EvaluationTables.summarySchema(cfg.dual().constraints()))
            .parquet(dir.path(SweepLayout.folder(b) + "/evaluate") + "/summary")
            .filter(col("category").equalTo("all")).collectAsList();
        Map<String, Row> byPolicy = new HashMap<>();
        for (Row r : rows) {
          assertEquals(b, (Double) r.getAs("threshold_safety"), 0.0);
          byPolicy.put(r.getAs("policy"), r);
        }
        assertEquals(java.util.Set.of("reference", "oneshot", "caid-1", "caid-2"),
            byPolicy.keySet());
        summaries.put(b, byPolicy);
      }
      assertEquals((Double) summaries.get(0.0).get("reference").getAs("reward_mean"),
          (Double) summaries.get(0.3).get("reference").getAs("reward_mean"), 0.0,
          "π_ref's evaluation is the same at every b (same seeds)");

      // the sweep table: π_ref once, then per b one-shot and CAID's final iteration
      List<Row> table = ctx.spark().read().schema(SweepTable.schema(safety))
          .parquet(dir.path(SweepLayout.SUMMARY).toString()).collectAsList();
      assertEquals(5, table.size());
      assertEquals(List.of("reference", "oneshot", "caid-2", "oneshot", "caid-2"),
          table.stream().map(r -> (String) r.getAs("policy")).toList());
      assertNull(table.get(0).getAs("b"));
      assertNull(table.get(0).getAs("constraint_met"));
      assertEquals(List.of(0.0, 0.0, 0.3, 0.3), table.subList(1, 5).stream()
          .map(r -> (Double) r.getAs("b")).toList());
      double caidFinal5 = ((Number) b5.get("caid_final_lambda")).doubleValue();
      for (Row r : table.subList(1, 5)) {
        double b = r.getAs("b");
        Row s = summaries.get(b).get((String) r.getAs("policy"));
        for (String k : List.of("reward_mean", "delta_reward", "delta_reward_lower95",
            "delta_reward_upper95", "delta_utility_safety", "delta_utility_safety_lower95",
            "delta_utility_safety_upper95", "safety_rate", "judge_safety_rate")) {
          assertEquals((Double) s.getAs(k), (Double) r.getAs(k), 0.0, b + " " + k);
        }
        assertTrue(r.getAs("judge_safety_rate") != null, b + " judge_safety_rate");
        assertEquals("safety", r.getAs("constraint"));
        assertEquals(r.<Double>getAs("delta_utility_safety") >= b, r.getAs("constraint_met"));
        assertEquals(b == 0.0 ? star0 : star5, (Double) r.getAs("lambda_star"), 0.0);
        if (b == 0.3) {
          assertEquals("oneshot".equals(r.getAs("method")) ? star5 : caidFinal5,
              (Double) r.getAs("lambda"), 0.0);
        }
      }

      // resume: b = 0.3's evaluation and everything after it are lost; the rerun redoes only
      // that, skipping b = 0 and b = 0.3's solve-dual and align, and gives the same table
      String b0Finished = (String) b0.get("finished");
      String align5Finished = (String) dir.marker("sweep/b=0.3/align").orElseThrow()
          .get("finished");
      for (String gone : List.of("sweep/_SUCCESS.json", "sweep/summary",
          "sweep/b=0.3/_SUCCESS.json", "sweep/b=0.3/evaluate")) {
        delete(tmp.resolve("run/" + gone));
      }
      StageRunner.Outcome again = StageRunner.run(ctx, Stage.SWEEP,
          new SweepJob(AlignFixture.rollouts(cfg)));
      assertFalse(again.skipped());
      assertEquals(b0Finished, dir.marker("sweep/b=0").orElseThrow().get("finished"));
      assertEquals(align5Finished, dir.marker("sweep/b=0.3/align").orElseThrow()
          .get("finished"));
      List<Row> table2 = ctx.spark().read().schema(SweepTable.schema(safety))
          .parquet(dir.path(SweepLayout.SUMMARY).toString()).collectAsList();
      assertEquals(table.toString(), table2.toString());
      assertTrue(StageRunner.run(ctx, Stage.SWEEP, new SweepJob()).skipped());

      // the report draws Fig. 1a and 1b from every b of the sweep
      StageRunner.Outcome rep = StageRunner.run(ctx, Stage.REPORT, new ReportJob());
      Map<String, Object> points = (Map<String, Object>) rep.marker().get("chart_points");
      assertEquals(Map.of("one-shot", 2, "CAID (final iteration)", 2), points.get("threshold"));
      assertEquals(Map.of("one-shot", 2, "CAID (final iteration)", 2, "π_ref", 1),
          points.get("frontier"));
      assertTrue(((List<String>) rep.marker().get("charts")).containsAll(
          List.of("charts/threshold.png", "charts/frontier.png")));
      for (String chart : List.of("threshold", "frontier")) {
        BufferedImage img = ImageIO.read(tmp.resolve("run/report/charts/" + chart + ".png")
            .toFile());
        assertEquals(760, img.getWidth(), chart);
      }
      String page = Files.readString(tmp.resolve("run/report/index.html"));
      assertTrue(page.contains("Threshold sweep (sweep/summary)"), page);
      assertTrue(page.contains("<td>0.300</td>"), page);
      assertEquals(List.of(0.3, 0.0), rep.marker().get("sweep_thresholds"));
      assertTrue(StageRunner.run(ctx, Stage.REPORT, new ReportJob()).skipped());

      // dual.sweep changed on the resumed run (here cut to b = 0): the sweep redoes only its
      // table (b = 0 is not recomputed; b = 0.3 stays on disk, outside the table), then the
      // report, which drew the old table, is redone
      StageContext cut = ctx.derive(cfg.with(Map.of("dual.sweep", List.of(0.0))), dir);
      assertTrue(new SweepJob().staleness(cut, dir.marker("sweep").orElseThrow()).isPresent());
      StageRunner.Outcome resized = StageRunner.run(cut, Stage.SWEEP,
          new SweepJob(AlignFixture.rollouts(cfg)));
      assertFalse(resized.skipped());
      assertEquals(List.of(0.0), resized.marker().get("thresholds"));
      assertEquals(b0Finished, dir.marker("sweep/b=0").orElseThrow().get("finished"));
      assertEquals(OutputState.COMMITTED, dir.state("sweep/b=0.3"));
      List<Row> table3 = ctx.spark().read().schema(SweepTable.schema(safety))
          .parquet(dir.path(SweepLayout.SUMMARY).toString()).collectAsList();
      assertEquals(table2.stream().filter(r -> r.isNullAt(r.fieldIndex("b"))
          || r.<Double>getAs("b") == 0.0).map(Row::toString).toList(),
          table3.stream().map(Row::toString).toList());
      assertTrue(StageRunner.run(cut, Stage.SWEEP, new SweepJob()).skipped());
      StageRunner.Outcome rep2 = StageRunner.run(cut, Stage.REPORT, new ReportJob());
      assertFalse(rep2.skipped());
      assertEquals(List.of(0.0), rep2.marker().get("sweep_thresholds"));
      assertEquals(Map.of("one-shot", 1, "CAID (final iteration)", 1),
          ((Map<String, Object>) rep2.marker().get("chart_points")).get("threshold"));
      // stopped after the table but before the stage's marker, then resumed with another list:
      // the table committed for [0] is replaced by one for [0.3, 0]
      delete(tmp.resolve("run/sweep/_SUCCESS.json"));
      StageRunner.Outcome back = StageRunner.run(ctx, Stage.SWEEP, new SweepJob());
      assertEquals(List.of(0.3, 0.0), back.marker().get("thresholds"));
      assertEquals(table2.toString(), ctx.spark().read().schema(SweepTable.schema(safety))
          .parquet(dir.path(SweepLayout.SUMMARY).toString()).collectAsList().toString());
      // an empty dual.sweep leaves the committed sweep alone
      StageContext none2 = ctx.derive(cfg.with(Map.of("dual.sweep", List.of())), dir);
      assertTrue(StageRunner.run(none2, Stage.SWEEP, new SweepJob()).skipped());
    }
  }

  private static void delete(Path p) throws java.io.IOException {
    try (var s = Files.walk(p)) {
      for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
