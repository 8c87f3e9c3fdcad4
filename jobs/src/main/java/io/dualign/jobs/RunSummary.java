package io.dualign.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code RunSummary} is the five-line verdict {@code demo} and {@code pipeline} print at the end:
 * whether CAID's last policy meets the first constraint, Δ safety and Δ reward vs π_ref for CAID
 * and one-shot, CAID's Δ reward against one-shot, and the multipliers. It reads the markers only
 * ({@code evaluate}, {@code solve-dual}, {@code align/caid}); a figure whose marker is absent is
 * printed as "n/a" with the stage to run.
 */
final class RunSummary {
  private RunSummary() {}

  /**
   * The five lines.
   *
   * @param constraint the first constraint's name; its utility column is utility_&lt;name&gt;
   * @param threshold its threshold
   * @param evaluate the evaluate marker (null when absent)
   * @param solveDual the solve-dual marker (null when absent)
   * @param caid the align/caid marker (null when absent)
   */
  @SuppressWarnings("unchecked")
  static List<String> lines(String constraint, double threshold, Map<String, Object> evaluate,
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
        met == null ? missing : (Boolean) met ? "yes" : "no"));
    out.add("Δ " + constraint + " vs π_ref: CAID " + delta(c, "delta_" + u) + "; one-shot "
        + delta(o, "delta_" + u));
    out.add("Δ reward vs π_ref: CAID " + delta(c, "delta_reward") + "; one-shot "
        + delta(o, "delta_reward"));
    Double cr = c == null ? null : num(c.get("delta_reward"));
    Double or = o == null ? null : num(o.get("delta_reward"));
    out.add("Δ reward CAID vs one-shot: " + (cr == null || or == null ? "n/a"
        : String.format(Locale.ROOT, "%+.3f", cr - or)));
    Object star = solveDual == null ? null : ((Map<String, Object>) solveDual.getOrDefault(
        "lambda", Map.of())).get(constraint);
    Object fin = caid == null || !(caid.get("final_lambda") instanceof Map<?, ?> m) ? null
        : m.get(constraint);
    out.add("λ* (one-shot): " + (star == null ? "n/a (run 'dualign solve-dual')" : fmt(star))
        + "; CAID final λ: " + (fin == null ? "n/a (run 'dualign align')" : fmt(fin)));
    return out;
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
