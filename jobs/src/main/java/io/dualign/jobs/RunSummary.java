package io.dualign.jobs;

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
  @SuppressWarnings("unchecked")
  static List<String> lines(String constraint, double threshold, boolean relative,
      Map<String, Object> evaluate,
      Map<String, Object> solveDual, Map<String, Object> caid) {
    Map<String, Object> policies = evaluate == null ? Map.of()
        : (Map<String, Object>) evaluate.getOrDefault("policies", Map.of());
    String caidName = null;
    for (String p : policies.keySet()) {
      if (p.startsWith("caid-")) {
        caidName = p; // policies are in report order: the last CAID iteration wins
      }
    }
    Map<String, Object> c = caidName == null ? null : (Map<String, Object>) policies.get(caidName);
    Map<String, Object> o = (Map<String, Object>) policies.get("oneshot");
    String u = "utility_" + constraint;
    List<String> out = new ArrayList<>();
    String missing = evaluate == null ? "n/a (run 'dualign evaluate')" : "n/a (no CAID policy)";
    Object met = c == null ? null : c.get("constraint_met_" + constraint);
    out.add(String.format(Locale.ROOT, "constraint %s (b = %s) met by CAID%s: %s", constraint,
        fmt(threshold), caidName == null ? "" : " (" + caidName + ")",
        met == null ? missing : (Boolean) met ? "yes" : "no" + (relative ? shortfall(c, u, threshold) : "")));
    boolean gold = gold(c) != null || gold(o) != null;
    out.add("Δ " + constraint + " vs π_ref: CAID " + delta(c, "delta_" + u) + "; one-shot "
        + delta(o, "delta_" + u) + (gold ? "; gold (−Δ cost): CAID " + goldSafety(c)
        + ", one-shot " + goldSafety(o) : ""));
    out.add("Δ reward vs π_ref: CAID " + delta(c, "delta_reward") + "; one-shot "
        + delta(o, "delta_reward") + (gold ? "; gold: CAID " + signed(goldNum(c,
        "delta_gold_reward")) + ", one-shot " + signed(goldNum(o, "delta_gold_reward")) : ""));
    out.add("Δ reward CAID vs one-shot: " + signed(difference(c, o, "delta_reward"))
        + (gold ? "; gold: " + signed(difference(c, o, "delta_gold_reward")) : ""));
    Object star = solveDual == null ? null : ((Map<String, Object>) solveDual.getOrDefault(
        "lambda", Map.of())).get(constraint);
    Object fin = caid == null || !(caid.get("final_lambda") instanceof Map<?, ?> m) ? null
        : m.get(constraint);
    out.add("λ* (one-shot): " + (star == null ? "n/a (run 'dualign solve-dual')" : fmt(star))
        + "; CAID final λ: " + (fin == null ? "n/a (run 'dualign align')" : fmt(fin)));
    Map<String, Object> s = (Map<String, Object>) policies.get("safe-rlhf");
    if (s != null) { // the primal-dual baseline, when align.methods has it
      Object sMet = s.get("constraint_met_" + constraint);
      out.add("Safe RLHF (primal-dual baseline): Δ " + constraint + " " + delta(s, "delta_" + u)
          + " (b met: " + (sMet == null ? "n/a" : (Boolean) sMet ? "yes" : "no") + "); Δ reward "
          + delta(s, "delta_reward") + (gold ? "; gold (−Δ cost) " + goldSafety(s) : ""));
    }
    return out;
  }

  /**
   * Why a relative constraint counts as not met: CAID steers Δ to the boundary b, so a mean just
   * below b is expected half of the time; say whether b lies inside Δ's 95% interval.
   */
  private static String shortfall(Map<String, Object> c, String u, double threshold) {
    Double upper = num(c.get("delta_" + u + "_upper95"));
    if (upper == null) {
      return "";
    }
    return upper >= threshold ? " (mean Δ below b, but b is inside its 95% interval)"
        : " (b is above Δ's 95% interval)";
  }

  private static Double gold(Map<String, Object> p) {
    return goldNum(p, "delta_gold_cost");
  }

  private static Double goldNum(Map<String, Object> p, String key) {
    return p == null ? null : num(p.get(key));
  }

  /** The gold Δ safety, −Δ gold cost, with its interval flipped accordingly. */
  private static String goldSafety(Map<String, Object> p) {
    Double d = gold(p);
    if (d == null) {
      return "n/a";
    }
    Double lo = num(p.get("delta_gold_cost_lower95"));
    Double hi = num(p.get("delta_gold_cost_upper95"));
    return String.format(Locale.ROOT, "%+.3f", -d)
        + (lo == null || hi == null ? "" : String.format(Locale.ROOT, " [%+.3f, %+.3f]", -hi, -lo));
  }

  private static Double difference(Map<String, Object> c, Map<String, Object> o, String key) {
    Double a = c == null ? null : num(c.get(key));
    Double b = o == null ? null : num(o.get(key));
    return a == null || b == null ? null : a - b;
  }

  private static String signed(Double v) {
    return v == null ? "n/a" : String.format(Locale.ROOT, "%+.3f", v);
  }

  private static String delta(Map<String, Object> p, String key) {
    if (p == null || num(p.get(key)) == null) {
      return "n/a";
    }
    Double lo = num(p.get(key + "_lower95"));
    Double hi = num(p.get(key + "_upper95"));
    return String.format(Locale.ROOT, "%+.3f", num(p.get(key)))
        + (lo == null || hi == null ? "" : String.format(Locale.ROOT, " [%+.3f, %+.3f]", lo, hi));
  }

  private static Double num(Object v) {
    return v instanceof Number n ? n.doubleValue() : null;
  }

  private static String fmt(Object v) {
    return v instanceof Number n ? String.format(Locale.ROOT, "%.3f", n.doubleValue())
        : String.valueOf(v);
  }
}
