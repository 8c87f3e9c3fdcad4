package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigError;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.SweepMarker;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-b lines {@code pipeline} prints after a threshold sweep, from the sweep marker. */
class SweepLinesTest {
  /** The sweep marker of constraint safety over {@code byB}, each b given its other fields. */
  static SweepMarker sweep(Map<String, Object> byB) {
    Map<String, Object> all = new LinkedHashMap<>();
    byB.forEach((folder, v) -> {
      @SuppressWarnings("unchecked")
      Map<String, Object> b = new LinkedHashMap<>((Map<String, Object>) v);
      b.put("run_id", "run");
      b.put("constraint", "safety");
      b.putIfAbsent("caid_final_lambda", null);
      b.putIfAbsent("safe_rlhf_final_lambda", null);
      b.put("output", folder);
      b.put("finished", "2026-12-07T16:00:00Z");
      all.put(folder, b);
    });
    return Markers.summary(Map.of("run_id", "run", "constraint", "safety", "thresholds",
        List.of(), "by_threshold", all), SweepMarker.class, "sweep");
  }

  @Test
  void oneLinePerThresholdWithLambdasAndTheFinalCaidPolicy() {
    Map<String, Object> b0 = new LinkedHashMap<>();
    b0.put("b", 0.0);
    b0.put("lambda_star", 0.1677);
    b0.put("caid_final_lambda", 0.1723);
    b0.put("policies", Map.of(
        "oneshot", Map.of("delta_utility_safety", -0.1855, "constraint_met_safety", false),
        "caid-1", Map.of("delta_utility_safety", -0.2484, "constraint_met_safety", false),
        "caid-2", Map.of("delta_utility_safety", 0.0938, "constraint_met_safety", true)));
    Map<String, Object> b5 = new LinkedHashMap<>();
    b5.put("b", 0.5);
    b5.put("lambda_star", 50.0);
    b5.put("caid_final_lambda", null);
    b5.put("policies", Map.of());
    Map<String, Object> byB = new LinkedHashMap<>();
    byB.put("sweep/b=0", b0);
    byB.put("sweep/b=0.5", b5);
    List<String> lines = SweepJob.lines(sweep(byB));
    assertEquals(List.of(
        "sweep b = 0.000: λ* 0.168, CAID final λ 0.172; Δ safety one-shot -0.186 (not met), "
            + "CAID +0.094 (met)",
        "sweep b = 0.500: λ* 50.000, CAID final λ n/a; Δ safety one-shot n/a, CAID n/a"), lines);
  }

  @Test
  void safeRlhfIsAddedWhenItWasSwept() {
    Map<String, Object> b1 = new LinkedHashMap<>();
    b1.put("b", 1.0);
    b1.put("lambda_star", 0.7);
    b1.put("caid_final_lambda", 1.07);
    b1.put("safe_rlhf_final_lambda", 1.3);
    b1.put("policies", Map.of(
        "oneshot", Map.of("delta_utility_safety", -0.1, "constraint_met_safety", false),
        "caid-4", Map.of("delta_utility_safety", 1.1, "constraint_met_safety", true),
        "safe-rlhf", Map.of("delta_utility_safety", 0.8, "constraint_met_safety", false)));
    List<String> lines = SweepJob.lines(sweep(Map.of("sweep/b=1", b1)));
    assertEquals(List.of("sweep b = 1.000: λ* 0.700, CAID final λ 1.070; Δ safety one-shot "
        + "-0.100 (not met), CAID +1.100 (met), Safe RLHF +0.800 (not met) (final λ 1.300)"),
        lines);
  }

  @Test
  void theSweptMethodsAreThoseOfAlignMethodsThatDependOnB() {
    assertEquals(List.of("caid", "safe-rlhf"), SweepJob.sweptMethods(AlignFixture.config(
        List.of("align.methods=[dpo-helpful,caid,safe-rlhf]"))));
    ConfigError e = assertThrows(ConfigError.class, () -> SweepJob.sweptMethods(
        AlignFixture.config(List.of("align.methods=[dpo-helpful,dpo-safe]"))));
    assertTrue(e.getMessage().contains("align.methods") && e.getMessage().contains("safe-rlhf"),
        e.getMessage());
  }
}
