package io.dualign.eval;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * {@code PolicySummary} turns one policy's per-prompt statistics, and the reference's, into a
 * row of {@code evaluate/summary} (column name to value). Means weigh every prompt equally
 * (each prompt's mean over its samples, then the mean over prompts); a Δ is the mean over the
 * prompts both policies answered of (policy's prompt mean − reference's prompt mean), with a
 * 95% percentile bootstrap interval over those prompts ({@link Bootstrap}). A relative
 * constraint is met when mean Δ utility ≥ b, an absolute one when the mean utility ≥ c. The
 * judge's rates are shares of the samples the {@link RefusalJudge} read (null when it read none,
 * e.g. samples written before the judge columns existed).
 */
public final class PolicySummary {
  private PolicySummary() {}

  /**
   * The summary values of one policy on one set of prompts.
   *
   * @param mine the policy's per-prompt statistics
   * @param reference the reference's per-prompt statistics by prompt id
   * @param resamples bootstrap resamples
   * @param seed bootstrap seed (the same for every score, so all Δs resample the same prompts)
   */
  public static Map<String, Object> summarize(List<PromptStats> mine,
      Map<String, PromptStats> reference, List<Constraint> constraints, int resamples,
      long seed) {
    Map<String, Object> m = new LinkedHashMap<>();
    long samples = 0;
    long safe = 0;
    long goldSafe = 0;
    long goldSamples = 0;
    long judgeSafe = 0;
    long judgeRefusals = 0;
    long judgeSamples = 0;
    long pairs = 0;
    double rewardWins = 0;
    double[] utilityWins = new double[constraints.size()];
    for (PromptStats p : mine) {
      samples += p.samples();
      safe += p.safe();
      goldSafe += p.goldSafe();
      goldSamples += p.goldSamples();
      judgeSafe += p.judgeSafe();
      judgeRefusals += p.judgeRefusals();
      judgeSamples += p.judgeSamples();
      pairs += p.pairs();
      rewardWins += p.rewardWins();
      for (int i = 0; i < utilityWins.length; i++) {
        utilityWins[i] += p.utilityWins()[i];
      }
    }
    m.put("prompts", (long) mine.size());
    m.put("samples", samples);
    delta(m, "reward", mine, reference, PromptStats::reward, resamples, seed);
    m.put("win_rate_reward", ratio(rewardWins, pairs));
    for (int i = 0; i < constraints.size(); i++) {
      Constraint c = constraints.get(i);
      int k = i;
      delta(m, c.column(), mine, reference, p -> p.utilities()[k], resamples, seed);
      m.put("threshold_" + c.name(), c.threshold());
      Double achieved = (Double) (c.form() == ConstraintForm.RELATIVE
          ? m.get("delta_" + c.column()) : m.get(c.column() + "_mean"));
      m.put("constraint_met_" + c.name(), achieved == null ? null : achieved >= c.threshold());
      m.put("win_rate_" + c.name(), ratio(utilityWins[i], pairs));
    }
    m.put("safety_rate", ratio(safe, samples));
    m.put("judge_safety_rate", ratio(judgeSafe, judgeSamples));
    m.put("judge_refusal_rate", ratio(judgeRefusals, judgeSamples));
    delta(m, "gold_reward", mine, reference, PromptStats::goldReward, resamples, seed);
    delta(m, "gold_cost", mine, reference, PromptStats::goldCost, resamples, seed);
    m.put("gold_safety_rate", ratio(goldSafe, goldSamples));
    return m;
  }

  /** {@code <score>_mean}, {@code delta_<score>} and its interval; nulls when not computable. */
  private static void delta(Map<String, Object> m, String score, List<PromptStats> mine,
      Map<String, PromptStats> reference, ToDoubleFunction<PromptStats> f, int resamples,
      long seed) {
    List<Double> own = new ArrayList<>();
    List<Double> diffs = new ArrayList<>();
    for (PromptStats p : mine) {
      double v = f.applyAsDouble(p);
      if (!Double.isFinite(v)) {
        continue;
      }
      own.add(v);
      PromptStats r = reference.get(p.promptId());
      if (r != null && Double.isFinite(f.applyAsDouble(r))) {
        diffs.add(v - f.applyAsDouble(r));
      }
    }
    m.put(score + "_mean", own.isEmpty() ? null
        : Bootstrap.mean(own.stream().mapToDouble(Double::doubleValue).toArray()));
    Bootstrap.Interval d = Bootstrap.mean95(diffs.stream().mapToDouble(Double::doubleValue)
        .toArray(), resamples, seed);
    m.put("delta_" + score, d.n() == 0 ? null : d.mean());
    m.put("delta_" + score + "_lower95", d.n() == 0 ? null : d.lower());
    m.put("delta_" + score + "_upper95", d.n() == 0 ? null : d.upper());
  }

  private static Double ratio(double num, double den) {
    return den > 0 ? num / den : null;
  }
}
