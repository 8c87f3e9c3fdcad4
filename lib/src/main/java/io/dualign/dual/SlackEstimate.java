package io.dualign.dual;

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

  private static double square(double x) {
    return x * x;
  }
}
