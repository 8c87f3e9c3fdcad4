package io.dualign.dual;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code SlackEstimate} is the estimated slack û of one constraint with its uncertainty:
 * û = mean_π g − mean_ref g − b for a relative constraint, û = mean_π g − c for an absolute one.
 * û ≥ 0 means the constraint holds; the dual step raises λ when û < 0.
 *
 * <p>The standard error treats the policy and reference samples as independent:
 * se = sqrt(se_π² + se_ref²) (se_ref only for relative constraints); the 95% interval is the
 * normal one, û ± 1.96·se. Either is NaN when a sample has fewer than two values.
 *
 * @param constraint the constraint
 * @param policy moments of g over the policy's samples (rollouts)
 * @param reference moments of g over the reference samples; {@link Moments#EMPTY} and unused for
 *     absolute constraints
 */
public record SlackEstimate(Constraint constraint, Moments policy, Moments reference) {
  public SlackEstimate {
    Objects.requireNonNull(constraint, "constraint");
    Objects.requireNonNull(policy, "policy moments");
    reference = reference == null ? Moments.EMPTY : reference;
  }

  /** Whether the reference mean takes part (relative form). */
  public boolean relative() {
    return constraint.form() == ConstraintForm.RELATIVE;
  }

  /** The slack û (NaN when a needed sample is empty). */
  public double slack() {
    double s = policy.mean() - constraint.threshold();
    return relative() ? s - reference.mean() : s;
  }

  /** The standard error of û. */
  public double standardError() {
    double v = square(policy.standardError());
    return Math.sqrt(relative() ? v + square(reference.standardError()) : v);
  }

  public double lower95() {
    return slack() - Moments.Z95 * standardError();
  }

  public double upper95() {
    return slack() + Moments.Z95 * standardError();
  }

  /** Whether û can drive a dual step: every needed sample is non-empty and û is finite. */
  public boolean usable() {
    return policy.count() > 0 && (!relative() || reference.count() > 0)
        && Double.isFinite(slack());
  }

  /** A JSON-ready summary (for {@code _SUCCESS.json} and logs). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("constraint", constraint.name());
    m.put("form", constraint.form().configName());
    m.put("threshold", constraint.threshold());
    m.put("slack", jsonNumber(slack()));
    m.put("stderr", jsonNumber(standardError()));
    m.put("lower95", jsonNumber(lower95()));
    m.put("upper95", jsonNumber(upper95()));
    m.put("n", policy.count());
    m.put("non_finite", policy.nonFinite());
    m.put("mean", jsonNumber(policy.mean()));
    if (relative()) {
      m.put("reference_mean", jsonNumber(reference.mean()));
      m.put("reference_n", reference.count());
      m.put("reference_non_finite", reference.nonFinite());
    }
    return m;
  }

  private static double square(double x) {
    return x * x;
  }

  /** JSON has no NaN/∞: such values are written as null. */
  static Object jsonNumber(double v) {
    return Double.isFinite(v) ? (Object) v : null;
  }
}
