package io.dualign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class SweepTableTest {
  static final Constraint SAFETY = new Constraint("safety", ConstraintForm.RELATIVE, 0.0);
  static final StructType SUMMARY = EvaluationTables.summarySchema(List.of(SAFETY));

  /** A summary row with Δ reward = dr, Δ safety = ds (intervals ±0.1), met = ds ≥ b. */
  static Row summary(String policy, String method, int it, String category, double b, double dr,
      double ds) {
    Object[] v = new Object[SUMMARY.size()];
    set(v, "run_id", "r");
    set(v, "policy", policy);
    set(v, "method", method);
    set(v, "iteration", it);
    set(v, "category", category);
    set(v, "prompts", 6L);
    set(v, "samples", 12L);
    set(v, "reward_mean", 1 + dr);
    set(v, "delta_reward", dr);
    set(v, "delta_reward_lower95", dr - 0.1);
    set(v, "delta_reward_upper95", dr + 0.1);
    set(v, "utility_safety_mean", -0.5 + ds);
    set(v, "delta_utility_safety", ds);
    set(v, "delta_utility_safety_lower95", ds - 0.1);
    set(v, "delta_utility_safety_upper95", ds + 0.1);
    set(v, "threshold_safety", b);
    set(v, "constraint_met_safety", ds >= b);
    set(v, "safety_rate", 0.25);
    set(v, "judge_safety_rate", 0.6 + dr);
    return new GenericRowWithSchema(v, SUMMARY);
  }

  private static void set(Object[] v, String name, Object x) {
    v[SUMMARY.fieldIndex(name)] = x;
  }

  static List<Row> at(double b, double dsOneshot, double dsCaid) {
    List<Row> rows = new ArrayList<>();
    rows.add(summary("reference", "reference", 0, "all", b, 0, 0));
    rows.add(summary("oneshot", "oneshot", 2, "all", b, -0.1, dsOneshot));
    rows.add(summary("caid-1", "caid", 1, "all", b, -0.2, 0.9));
    rows.add(summary("caid-2", "caid", 2, "all", b, -0.3, dsCaid));
    rows.add(summary("caid-2", "caid", 2, "Crime", b, 7, 7)); // not category all: ignored
    return rows;
  }

  @Test
  void referenceOnceThenOneShotAndFinalCaidPerThresholdInIncreasingOrder() {
    List<Row> rows = SweepTable.rows("r", SAFETY, List.of(
        new SweepTable.Threshold(1.0, 2.0, Map.of("caid", 2.5), at(1.0, 0.8, 1.05)),
        new SweepTable.Threshold(0.5, 0.7, Map.of("caid", 0.6), at(0.5, 0.45, 0.55))));
    StructType schema = SweepTable.schema(SAFETY);
    assertEquals(5, rows.size());
    for (Row r : rows) {
      assertEquals(schema.size(), r.size());
    }
    int b = schema.fieldIndex("b");
    int policy = schema.fieldIndex("policy");
    int lambda = schema.fieldIndex("lambda");
    int star = schema.fieldIndex("lambda_star");
    int ds = schema.fieldIndex("delta_utility_safety");
    int met = schema.fieldIndex("constraint_met");
    assertEquals("reference", rows.get(0).get(policy));
    assertNull(rows.get(0).get(b));
    assertNull(rows.get(0).get(met));
    assertNull(rows.get(0).get(lambda));
    assertEquals(List.of("oneshot", "caid-2", "oneshot", "caid-2"),
        rows.subList(1, 5).stream().map(r -> r.get(policy)).toList());
    assertEquals(List.of(0.5, 0.5, 1.0, 1.0), rows.subList(1, 5).stream().map(r -> r.get(b))
        .toList());
    assertEquals(List.of(0.7, 0.6, 2.0, 2.5), rows.subList(1, 5).stream()
        .map(r -> r.get(lambda)).toList(), "one-shot trains at λ*, CAID ends at its final λ");
    assertEquals(List.of(0.7, 0.7, 2.0, 2.0), rows.subList(1, 5).stream()
        .map(r -> r.get(star)).toList());
    assertEquals(List.of(0.45, 0.55, 0.8, 1.05), rows.subList(1, 5).stream()
        .map(r -> r.get(ds)).toList());
    assertEquals(List.of(false, true, false, true), rows.subList(1, 5).stream()
        .map(r -> r.get(met)).toList());
    assertEquals(0.35, (Double) rows.get(1).get(schema.fieldIndex(
        "delta_utility_safety_lower95")), 1e-12);
    assertEquals("safety", rows.get(3).get(schema.fieldIndex("constraint")));
    // the judge's safety rate beside the learned one, from the b's summary row
    int judge = schema.fieldIndex("judge_safety_rate");
    assertEquals(schema.fieldIndex("safety_rate") + 1, judge);
    assertEquals(List.of(0.6, 0.5, 0.3), List.of(rows.get(0).get(judge), rows.get(1).get(judge),
        rows.get(2).get(judge)).stream().map(x -> Math.round((Double) x * 1e9) / 1e9).toList());
  }

  /** Safe RLHF's final iteration follows CAID at each b, at its own final λ. */
  @Test
  void safeRlhfHasARowPerThresholdAtItsFinalLambda() {
    List<Row> at1 = new ArrayList<>(at(1.0, 0.8, 1.05));
    at1.add(summary("safe-rlhf", "safe-rlhf", 2, "all", 1.0, -0.05, 1.2));
    List<Row> at05 = new ArrayList<>(at(0.5, 0.45, 0.55));
    at05.add(summary("safe-rlhf", "safe-rlhf", 2, "all", 0.5, -0.02, 0.4));
    java.util.Map<String, Double> fin1 = new java.util.HashMap<>();
    fin1.put("caid", 2.5);
    fin1.put("safe-rlhf", 1.7);
    List<Row> rows = SweepTable.rows("r", SAFETY, List.of(
        new SweepTable.Threshold(1.0, 2.0, fin1, at1),
        new SweepTable.Threshold(0.5, 0.7, Map.of("caid", 0.6), at05)));
    StructType schema = SweepTable.schema(SAFETY);
    int policy = schema.fieldIndex("policy");
    int lambda = schema.fieldIndex("lambda");
    int met = schema.fieldIndex("constraint_met");
    assertEquals(List.of("reference", "oneshot", "caid-2", "safe-rlhf", "oneshot", "caid-2",
        "safe-rlhf"), rows.stream().map(r -> r.get(policy)).toList());
    assertEquals(1.7, rows.get(6).get(lambda));
    assertNull(rows.get(3).get(lambda), "no final λ recorded for safe-rlhf at b = 0.5");
    assertEquals(List.of(false, true), List.of(rows.get(3).get(met), rows.get(6).get(met)));
  }
}
