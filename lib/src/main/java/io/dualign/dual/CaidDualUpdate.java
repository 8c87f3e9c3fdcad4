package io.dualign.dual;

/**
 * A {@code CaidDualUpdate} is CAID's dual step, projected subgradient descent on the dual:
 * λ_i ← clamp(λ_i − η·û_i, 0, λ_max,i) for each constraint i. A violated constraint (û &lt; 0)
 * raises its multiplier; a slack one lowers it towards 0. For the first {@code delay} iterations
 * λ is held (no step).
 *
 * @param eta step size η &gt; 0
 * @param lambdaMax per-constraint caps λ_max &gt; 0 (keep λ finite when a constraint looks infeasible)
 * @param delay number of iterations whose estimate does not move λ
 */
public record CaidDualUpdate(double eta, double[] lambdaMax, int delay) implements DualUpdate {
  public CaidDualUpdate {
    if (!(eta > 0) || !Double.isFinite(eta)) {
      throw new IllegalArgumentException("dual step size η must be finite and > 0, was " + eta);
    }
    if (delay < 0) {
      throw new IllegalArgumentException("delay must be >= 0, was " + delay);
    }
    lambdaMax = lambdaMax.clone();
    DualUpdates.checkCaps(lambdaMax);
  }

  /**
   * λ(t+1) from λ(t) and the slack estimate û measured on the policy of iteration t.
   *
   * @throws DualStepRefusedException when some û is not usable (empty sample, NaN/∞)
   */
  @Override
  public DualState step(DualState state, ConstraintEstimate estimate) {
    DualUpdates.check(state, estimate, lambdaMax.length);
    double[] lambda = state.lambda();
    if (state.iteration() > delay) {
      double[] u = estimate.slack();
      for (int i = 0; i < lambda.length; i++) {
        lambda[i] = clamp(lambda[i] - eta * u[i], 0.0, lambdaMax[i]);
      }
    }
    return new DualState(state.iteration() + 1, lambda);
  }

  /** The caps as an array (a copy). */
  @Override
  public double[] lambdaMax() {
    return lambdaMax.clone();
  }

  static double clamp(double x, double lo, double hi) {
    if (Double.isNaN(x)) {
      throw new IllegalStateException("NaN multiplier");
    }
    return Math.max(lo, Math.min(hi, x));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CaidDualUpdate u && Double.compare(u.eta, eta) == 0 && u.delay == delay
        && java.util.Arrays.equals(u.lambdaMax, lambdaMax);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(eta, delay, java.util.Arrays.hashCode(lambdaMax));
  }

  /** The settings as logged: η, λ_max and delay. */
  @Override
  public String toString() {
    return "CaidDualUpdate[η=" + eta + ", λ_max=" + java.util.Arrays.toString(lambdaMax)
        + ", delay=" + delay + "]";
  }
}
