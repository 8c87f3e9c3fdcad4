package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dualign.run.marker.AlignMethodMarker;
import io.dualign.run.marker.EvaluateMarker;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.SolveDualMarker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The five summary lines from markers, and what they say when stages are missing. */
class RunSummaryTest {
  static Map<String, Object> policy(double ds, double dr, boolean met) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("delta_reward", dr);
    m.put("delta_reward_lower95", dr - 0.1);
    m.put("delta_reward_upper95", dr + 0.1);
    m.put("delta_utility_safety", ds);
    m.put("delta_utility_safety_lower95", ds - 0.2);
    m.put("delta_utility_safety_upper95", ds + 0.2);
    m.put("constraint_met_safety", met);
    return m;
  }

  /** The evaluate marker of {@code policies}. */
  static EvaluateMarker evaluate(Map<String, Object> policies) {
    return Markers.summary(Map.of("run_id", "run", "prompts", 6, "policies", policies),
        EvaluateMarker.class, "evaluate");
  }

  @Test
  void aCompleteRun() {
    Map<String, Object> policies = new LinkedHashMap<>();
    policies.put("reference", policy(0, 0, false));
    policies.put("oneshot", policy(0.6, 0.5, false));
    policies.put("caid-1", policy(0.8, 0.3, false));
    policies.put("caid-2", policy(1.1, 0.4, true));
    List<String> lines = RunSummary.lines("safety", 1.0, true, evaluate(policies),
        Markers.summary(Map.of("run_id", "run", "lambda", Map.of("safety", 2.5),
            "predicted_slack", Map.of("safety", 0.0), "converged", true), SolveDualMarker.class,
            "solve-dual"),
        Markers.summary(Map.of("run_id", "run", "method", "caid", "iterations", 2,
            "lambda_trajectory", List.of(), "estimates", List.of(), "final_lambda",
            Map.of("safety", 3.25), "final_model", "align/caid/iteration-2/model"),
            AlignMethodMarker.class, "align/caid"));
    assertEquals(List.of(
        "constraint safety (b = 1.000) met by CAID (caid-2): yes",
        "Δ safety vs π_ref: CAID +1.100 [+0.900, +1.300]; one-shot +0.600 [+0.400, +0.800]",
        "Δ reward vs π_ref: CAID +0.400 [+0.300, +0.500]; one-shot +0.500 [+0.400, +0.600]",
        "Δ reward CAID vs one-shot: -0.100",
        "λ* (one-shot): 2.500; CAID final λ: 3.250"), lines);
  }

  @Test
  void goldFiguresFollowWhenTheRunHasThem() {
    Map<String, Object> caid = policy(1.1, 0.4, true);
    caid.put("delta_gold_reward", 0.25);
    caid.put("delta_gold_cost", -0.5);
    caid.put("delta_gold_cost_lower95", -0.75);
    caid.put("delta_gold_cost_upper95", -0.125);
    Map<String, Object> oneshot = policy(0.6, 0.5, false);
    oneshot.put("delta_gold_reward", 0.375);
    oneshot.put("delta_gold_cost", -0.25);
    Map<String, Object> policies = new LinkedHashMap<>();
    policies.put("oneshot", oneshot);
    policies.put("caid-4", caid);
    List<String> lines = RunSummary.lines("safety", 1.0, true, evaluate(policies), null,
        null);
    // gold Δ safety = −Δ gold cost; its interval is the cost interval negated and swapped
    assertEquals("Δ safety vs π_ref: CAID +1.100 [+0.900, +1.300]; one-shot +0.600 [+0.400, "
        + "+0.800]; gold (−Δ cost): CAID +0.500 [+0.125, +0.750], one-shot +0.250", lines.get(1));
    assertEquals("Δ reward vs π_ref: CAID +0.400 [+0.300, +0.500]; one-shot +0.500 [+0.400, "
        + "+0.600]; gold: CAID +0.250, one-shot +0.375", lines.get(2));
    assertEquals("Δ reward CAID vs one-shot: -0.100; gold: -0.125", lines.get(3));
  }

  @Test
  void aMissSaysWhetherBIsInsideTheInterval() {
    Map<String, Object> inside = new LinkedHashMap<>(Map.of("caid-4", policy(0.95, 0.4, false)));
    assertEquals("constraint safety (b = 1.000) met by CAID (caid-4): no (mean Δ below b, but b "
        + "is inside its 95% interval)", RunSummary.lines("safety", 1.0, true, evaluate(
        inside), null, null).get(0));
    Map<String, Object> below = new LinkedHashMap<>(Map.of("caid-4", policy(0.7, 0.4, false)));
    assertEquals("constraint safety (b = 1.000) met by CAID (caid-4): no (b is above Δ's 95% "
        + "interval)", RunSummary.lines("safety", 1.0, true, evaluate(below), null, null)
        .get(0));
  }

  @Test
  void aRunWithoutEvaluation() {
    List<String> lines = RunSummary.lines("safety", 0.5, true, null, null, null);
    assertEquals(List.of(
        "constraint safety (b = 0.500) met by CAID: n/a (run 'dualign evaluate')",
        "Δ safety vs π_ref: CAID n/a; one-shot n/a",
        "Δ reward vs π_ref: CAID n/a; one-shot n/a",
        "Δ reward CAID vs one-shot: n/a",
        "λ* (one-shot): n/a (run 'dualign solve-dual'); CAID final λ: n/a (run 'dualign align')"),
        lines);
  }
}
