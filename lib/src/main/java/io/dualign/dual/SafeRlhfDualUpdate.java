package io.dualign.dual;

/**
 * A {@code SafeRlhfDualUpdate} is Safe RLHF's multiplier step (the primal-dual baseline):
 * ln λ ← ln λ + α·λ·(J_c − d), then λ ≤ λ_max, with J_c the mean cost and d its limit.
 *
 * <p>In dualign's sign convention (g = −cost, higher is safer; slack û = mean g − c for an
 * absolute constraint with c = −d) J_c − d = −û, so the step is ln λ ← ln λ − α·λ·û: a violated
 * constraint (û &lt; 0) raises λ. λ stays ≥ {@link Double#MIN_NORMAL} so that ln λ is finite.
 *
 * @param alpha step size α &gt; 0 (Safe RLHF default 0.1)
 * @param lambdaMax per-constraint caps λ_max &gt; 0 (Safe RLHF default 5)
 * @param delay number of iterations whose estimate does not move λ
 */
public record SafeRlhfDualUpdate(double alpha, double[] lambdaMax, int delay)
    implements DualUpdate {
  public SafeRlhfDualUpdate {
    if (!(alpha > 0) || !Double.isFinite(alpha)) {
      throw new IllegalArgumentException("Safe RLHF step size α must be finite and > 0, was "
          + alpha);
    }
    if (delay < 0) {
      throw new IllegalArgumentException("delay must be >= 0, was " + delay);
    }
    lambdaMax = lambdaMax.clone();
    DualUpdates.checkCaps(lambdaMax);
  }

  /**
   * λ(t+1) from λ(t) (every component &gt; 0) and the slack estimate of iteration t.
   *
   * @throws DualStepRefusedException when some û is not usable (empty sample, NaN/∞)
   */
  @Override
  public DualState step(DualState state, ConstraintEstimate estimate) {
    DualUpdates.check(state, estimate, lambdaMax.length);
    double[] lambda = state.lambda();
    for (int i = 0; i < lambda.length; i++) {
      if (!(lambda[i] > 0)) {
        throw new IllegalArgumentException("iteration " + state.iteration() + ": Safe RLHF "
            + "works on ln λ and needs λ > 0, λ[" + i + "] was " + lambda[i]);
      }
    }
    if (state.iteration() > delay) {
      double[] u = estimate.slack();
      for (int i = 0; i < lambda.length; i++) {
        double costExcess = -u[i]; // J_c − d
        double logLambda = Math.log(lambda[i]) + alpha * lambda[i] * costExcess;
        lambda[i] = CaidDualUpdate.clamp(Math.exp(logLambda), Double.MIN_NORMAL, lambdaMax[i]);
      }
    }
    return new DualState(state.iteration() + 1, lambda);
  }

  @Override
  public double[] lambdaMax() {
    return lambdaMax.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SafeRlhfDualUpdate u && Double.compare(u.alpha, alpha) == 0 && u.delay == delay
        && java.util.Arrays.equals(u.lambdaMax, lambdaMax);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(alpha, delay, java.util.Arrays.hashCode(lambdaMax));
  }

  /** The settings as logged: α, λ_max and delay. */
  @Override
  public String toString() {
    return "SafeRlhfDualUpdate[α=" + alpha + ", λ_max=" + java.util.Arrays.toString(lambdaMax)
        + ", delay=" + delay + "]";
  }
}
