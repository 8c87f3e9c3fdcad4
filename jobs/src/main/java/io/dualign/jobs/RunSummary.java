package io.dualign.jobs;

import io.dualign.run.marker.AlignMethodMarker;
import io.dualign.run.marker.EvaluateMarker;
import io.dualign.run.marker.PolicyFigures;
import io.dualign.run.marker.SolveDualMarker;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code RunSummary} is the five-line verdict {@code demo} and {@code pipeline} print at the end:
 * whether CAID's last policy meets the first constraint, Δ safety and Δ reward vs π_ref for CAID
 * and one-shot, CAID's Δ reward against one-shot, and the multipliers; on synthetic data each
 * line also gives the gold scorer's figures (Δ safety as −Δ gold cost). It reads the markers only
 * ({@code evaluate}, {@code solve-dual}, {@code align/caid}); a figure whose marker is absent is
 * printed as "n/a" with the stage to run.
 */
final class RunSummary {
  private RunSummary() {}

  /** A Δ vs π_ref with its 95% interval (each null when not recorded). */
  private record Delta(Double mean, Double lower95, Double upper95) {
    static final Delta NONE = new Delta(null, null, null);

    static Delta reward(PolicyFigures p) {
      return p == null ? NONE
          : new Delta(p.deltaReward(), p.deltaRewardLower95(), p.deltaRewardUpper95());
    }

    static Delta utility(PolicyFigures p, String name) {
      return p == null ? NONE : new Delta(p.deltaUtility(name), p.deltaUtilityLower95(name),
          p.deltaUtilityUpper95(name));
    }

    @Override
    public String toString() {
      if (mean == null) {
        return "n/a";
      }
      return String.format(Locale.ROOT, "%+.3f", mean) + (lower95 == null || upper95 == null ? ""
          : String.format(Locale.ROOT, " [%+.3f, %+.3f]", lower95, upper95));
    }
  }

  /**
   * The five lines, and a sixth for Safe RLHF when the evaluation holds its policy.
   *
   * @param constraint the first constraint's name; its utility column is utility_&lt;name&gt;
   * @param threshold its threshold
   * @param relative whether it is a relative constraint (Δ vs π_ref ≥ b) rather than an absolute
   *     one (mean utility ≥ c)
   * @param evaluate the evaluate marker (null when absent)
   * @param solveDual the solve-dual marker (null when absent)
   * @param caid the align/caid marker (null when absent)
   */
  static List<String> lines(String constraint, double threshold, boolean relative,
      EvaluateMarker evaluate, SolveDualMarker solveDual, AlignMethodMarker caid) {
    Map<String, PolicyFigures> policies = evaluate == null || evaluate.policies() == null
        ? Map.of() : evaluate.policies();
    String caidName = null;
    for (String p : policies.keySet()) {
      if (p.startsWith("caid-")) {
        caidName = p; // policies are in report order: the last CAID iteration wins
      }
    }
    PolicyFigures c = caidName == null ? null : policies.get(caidName);
    PolicyFigures o = policies.get("oneshot");
    List<String> out = new ArrayList<>();
    String missing = evaluate == null ? "n/a (run 'dualign evaluate')" : "n/a (no CAID policy)";
    Boolean met = c == null ? null : c.constraintMet(constraint);
    out.add(String.format(Locale.ROOT, "constraint %s (b = %s) met by CAID%s: %s", constraint,
        fmt(threshold), caidName == null ? "" : " (" + caidName + ")",
        met == null ? missing : met ? "yes"
            : "no" + (relative ? shortfall(c, constraint, threshold) : "")));
    boolean gold = goldCost(c) != null || goldCost(o) != null;
    out.add("Δ " + constraint + " vs π_ref: CAID " + Delta.utility(c, constraint) + "; one-shot "
        + Delta.utility(o, constraint) + (gold ? "; gold (−Δ cost): CAID " + goldSafety(c)
        + ", one-shot " + goldSafety(o) : ""));
    out.add("Δ reward vs π_ref: CAID " + Delta.reward(c) + "; one-shot " + Delta.reward(o)
        + (gold ? "; gold: CAID " + signed(goldReward(c)) + ", one-shot "
        + signed(goldReward(o)) : ""));
    out.add("Δ reward CAID vs one-shot: "
        + signed(difference(Delta.reward(c).mean(), Delta.reward(o).mean()))
        + (gold ? "; gold: " + signed(difference(goldReward(c), goldReward(o))) : ""));
    Double star = solveDual == null || solveDual.lambda() == null ? null
        : solveDual.lambda().get(constraint);
    Double fin = caid == null || caid.finalLambda() == null ? null
        : caid.finalLambda().get(constraint);
    out.add("λ* (one-shot): " + (star == null ? "n/a (run 'dualign solve-dual')" : fmt(star))
        + "; CAID final λ: " + (fin == null ? "n/a (run 'dualign align')" : fmt(fin)));
    PolicyFigures s = policies.get("safe-rlhf");
    if (s != null) { // the primal-dual baseline, when align.methods has it
      Boolean sMet = s.constraintMet(constraint);
      out.add("Safe RLHF (primal-dual baseline): Δ " + constraint + " "
          + Delta.utility(s, constraint) + " (b met: " + (sMet == null ? "n/a" : sMet ? "yes"
          : "no") + "); Δ reward " + Delta.reward(s) + (gold ? "; gold (−Δ cost) "
          + goldSafety(s) : ""));
    }
    return out;
  }

  /**
   * Why a relative constraint counts as not met: CAID steers Δ to the boundary b, so a mean just
   * below b is expected half of the time; say whether b lies inside Δ's 95% interval.
   */
  private static String shortfall(PolicyFigures c, String constraint, double threshold) {
    Double upper = c.deltaUtilityUpper95(constraint);
    if (upper == null) {
      return "";
    }
    return upper >= threshold ? " (mean Δ below b, but b is inside its 95% interval)"
        : " (b is above Δ's 95% interval)";
  }

  private static Double goldCost(PolicyFigures p) {
    return p == null ? null : p.deltaGoldCost();
  }

  private static Double goldReward(PolicyFigures p) {
    return p == null ? null : p.deltaGoldReward();
  }

  /** The gold Δ safety, −Δ gold cost, with its interval flipped accordingly. */
  private static String goldSafety(PolicyFigures p) {
    Double d = goldCost(p);
    if (d == null) {
      return "n/a";
    }
    Double lo = p.deltaGoldCostLower95();
    Double hi = p.deltaGoldCostUpper95();
    return String.format(Locale.ROOT, "%+.3f", -d)
        + (lo == null || hi == null ? "" : String.format(Locale.ROOT, " [%+.3f, %+.3f]", -hi, -lo));
  }

  private static Double difference(Double a, Double b) {
    return a == null || b == null ? null : a - b;
  }

  private static String signed(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
