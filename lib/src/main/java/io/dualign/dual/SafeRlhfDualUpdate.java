package io.dualign.dual;

/**
 * A {@code SafeRlhfDualUpdate} is Safe RLHF's multiplier step (the primal-dual baseline):
 * ln λ ← ln λ + α·λ·(J_c − d), then λ ≤ λ_max, with J_c the mean cost and d its limit.
 *
 * <p>In dualign's sign convention (g = −cost, higher is safer; slack û = mean g − c for an
 * absolute constraint with c = −d) J_c − d = −û, so the step is ln λ ← ln λ − α·λ·û: a violated
 * constraint (û &lt; 0) raises λ. λ stays ≥ {@link Double#MIN_NORMAL} so that ln λ is finite.
 *
 * @param settings the step size α (Safe RLHF default 0.1), the caps λ_max (Safe RLHF default 5)
 *     and the delay
 */
public record SafeRlhfDualUpdate(DualStep settings) implements DualUpdate {
  /** The step symbol of Safe RLHF's step size. */
  public static final String ALPHA = "α";

  /** Safe RLHF's step with step size {@code alpha}, caps {@code lambdaMax} and {@code delay}. */
  public SafeRlhfDualUpdate(double alpha, double[] lambdaMax, int delay) {
    this(new DualStep(ALPHA, alpha, lambdaMax, delay));
  }

  /**
   * λ(t+1) from λ(t) (every component &gt; 0) and the slack estimate of iteration t.
   *
   * @throws DualStepRefusedException when some û is not usable (empty sample, NaN/∞)
   */
  @Override
  public DualState step(DualState state, ConstraintEstimate estimate) {
    DualUpdates.check(state, estimate, settings.constraints());
    double[] lambda = state.lambda();
    for (int i = 0; i < lambda.length; i++) {
      if (!(lambda[i] > 0)) {
        throw new IllegalArgumentException("iteration " + state.iteration() + ": Safe RLHF "
            + "works on ln λ and needs λ > 0, λ[" + i + "] was " + lambda[i]);
      }
    }
    if (settings.moves(state)) {
      double[] u = estimate.slack();
      double alpha = settings.size();
      for (int i = 0; i < lambda.length; i++) {
        double costExcess = -u[i]; // J_c − d
        double logLambda = Math.log(lambda[i]) + alpha * lambda[i] * costExcess;
        lambda[i] = CaidDualUpdate.clamp(Math.exp(logLambda), Double.MIN_NORMAL, settings.cap(i));
      }
    }
    return new DualState(state.iteration() + 1, lambda);
  }

  /** The step size α. */
  public double alpha() {
    return settings.size();
  }

  @Override
  public double[] lambdaMax() {
    return settings.lambdaMax();
  }

  /** The settings as logged: α, λ_max and delay. */
  @Override
  public String toString() {
    return "SafeRlhfDualUpdate[" + settings + "]";
  }
}
