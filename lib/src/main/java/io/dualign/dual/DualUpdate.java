package io.dualign.dual;

/**
 * A {@code DualUpdate} is a rule for the multiplier step λ(t) → λ(t+1) from the slack estimate
 * û(t) measured on the policy of iteration t: CAID's projected subgradient step ({@link
 * CaidDualUpdate}) or Safe RLHF's step on ln λ ({@link SafeRlhfDualUpdate}).
 */
public interface DualUpdate {
  /**
   * λ(t+1) from λ(t) and the estimate of iteration t.
   *
   * @throws DualStepRefusedException when some û is not usable (empty sample, NaN/∞)
   */
  DualState step(DualState state, ConstraintEstimate estimate);

  /** The per-constraint caps λ_max. */
  double[] lambdaMax();
}
