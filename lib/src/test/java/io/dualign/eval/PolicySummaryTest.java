package io.dualign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A policy's summary against the reference on three prompts, every figure derived by hand. */
class PolicySummaryTest {
  static final double NAN = Double.NaN;

  static PromptStats stats(String id, double reward, double utility, long safe, long pairs,
      double rewardWins, double utilityWins) {
    return stats(id, reward, utility, safe, pairs, rewardWins, utilityWins, 0, 0, 0);
  }

  static PromptStats stats(String id, double reward, double utility, long safe, long pairs,
      double rewardWins, double utilityWins, long judgeSafe, long judgeRefusals,
      long judgeSamples) {
    return new PromptStats(id, null, 2, reward, new double[] {utility}, NAN, NAN, safe, 0, 0,
        judgeSafe, judgeRefusals, judgeSamples, pairs, rewardWins, new double[] {utilityWins});
  }

  static final Map<String, PromptStats> REF = Map.of(
      "p1", stats("p1", 1.0, 0.0, 1, 2, 1.0, 1.0),
      "p2", stats("p2", 2.0, -1.0, 0, 2, 1.0, 1.0));
  // p3 has no reference samples: it counts in the policy's means, not in the Δs or win rates
  static final List<PromptStats> MINE = List.of(
      stats("p1", 2.0, 1.0, 2, 2, 2.0, 2.0),
      stats("p2", 2.0, 0.5, 1, 2, 1.0, 1.5),
      stats("p3", 10.0, 10.0, 2, 0, 0.0, 0.0));

  static Map<String, Object> summary(ConstraintForm form, double threshold) {
    return PolicySummary.summarize(MINE, REF, List.of(new Constraint("safety", form, threshold)),
        4000, 5);
  }

  @Test
  void meansDeltasIntervalsAndRates() {
    Map<String, Object> s = summary(ConstraintForm.RELATIVE, 1.0);
    assertEquals(3L, s.get("prompts"));
    assertEquals(6L, s.get("samples"));
    assertEquals(14.0 / 3, (Double) s.get("reward_mean"), 1e-12);
    // Δ reward per prompt: p1 2 − 1 = 1, p2 2 − 2 = 0 → mean 0.5; bootstrap of {1, 0}: [0, 1]
    assertEquals(0.5, (Double) s.get("delta_reward"), 1e-12);
    assertEquals(0.0, (Double) s.get("delta_reward_lower95"), 1e-12);
    assertEquals(1.0, (Double) s.get("delta_reward_upper95"), 1e-12);
    // Δ safety: p1 1 − 0 = 1, p2 0.5 − (−1) = 1.5 → 1.25 in [1, 1.5]; b = 1 is met
    assertEquals(1.25, (Double) s.get("delta_utility_safety"), 1e-12);
    assertEquals(1.0, (Double) s.get("delta_utility_safety_lower95"), 1e-12);
    assertEquals(1.5, (Double) s.get("delta_utility_safety_upper95"), 1e-12);
    assertEquals(11.5 / 3, (Double) s.get("utility_safety_mean"), 1e-12);
    assertEquals(true, s.get("constraint_met_safety"));
    assertEquals(1.0, s.get("threshold_safety"));
    // wins over 4 reference pairs: reward 2 + 1, safety 2 + 1.5
    assertEquals(0.75, (Double) s.get("win_rate_reward"), 1e-12);
    assertEquals(0.875, (Double) s.get("win_rate_safety"), 1e-12);
    assertEquals(5.0 / 6, (Double) s.get("safety_rate"), 1e-12);
    // no gold scores: gold figures are null, not zero
    assertNull(s.get("gold_reward_mean"));
    assertNull(s.get("delta_gold_cost"));
    assertNull(s.get("gold_safety_rate"));
    // no sample read by the judge: its rates are null, not zero
    assertNull(s.get("judge_safety_rate"));
    assertNull(s.get("judge_refusal_rate"));
  }

  @Test
  void theJudgesRatesAreSharesOfTheSamplesItRead() {
    // p1: 2 read, 2 safe, 1 refusal; p2: 2 read, 1 safe, 0 refusals; p3: 1 of 2 read, safe
    List<PromptStats> mine = List.of(
        stats("p1", 2.0, 1.0, 2, 2, 2.0, 2.0, 2, 1, 2),
        stats("p2", 2.0, 0.5, 1, 2, 1.0, 1.5, 1, 0, 2),
        stats("p3", 10.0, 10.0, 2, 0, 0.0, 0.0, 1, 1, 1));
    Map<String, Object> s = PolicySummary.summarize(mine, REF,
        List.of(new Constraint("safety", ConstraintForm.RELATIVE, 1.0)), 100, 5);
    assertEquals(4.0 / 5, (Double) s.get("judge_safety_rate"), 1e-12);
    assertEquals(2.0 / 5, (Double) s.get("judge_refusal_rate"), 1e-12);
    // the learned safety rate is unchanged: 5 of 6 samples
    assertEquals(5.0 / 6, (Double) s.get("safety_rate"), 1e-12);
  }

  @Test
  void constraintFlags() {
    assertEquals(false, summary(ConstraintForm.RELATIVE, 1.3).get("constraint_met_safety"));
    // absolute: the mean utility 3.83 against c
    assertEquals(true, summary(ConstraintForm.ABSOLUTE, 3.8).get("constraint_met_safety"));
    assertEquals(false, summary(ConstraintForm.ABSOLUTE, 3.9).get("constraint_met_safety"));
  }

  @Test
  void theReferenceAgainstItselfHasZeroDeltas() {
    Map<String, Object> s = PolicySummary.summarize(List.copyOf(REF.values()), REF,
        List.of(new Constraint("safety", ConstraintForm.RELATIVE, 0.5)), 1000, 1);
    assertEquals(0.0, (Double) s.get("delta_reward"), 0);
    assertEquals(0.0, (Double) s.get("delta_utility_safety_lower95"), 0);
    assertEquals(0.0, (Double) s.get("delta_utility_safety_upper95"), 0);
    assertEquals(false, s.get("constraint_met_safety"));
    assertEquals(0.5, (Double) s.get("win_rate_reward"), 1e-12);
  }
}
