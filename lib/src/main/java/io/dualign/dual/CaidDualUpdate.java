package io.dualign.dual;

/**
 * A {@code CaidDualUpdate} is CAID's dual step, projected subgradient descent on the dual:
 * λ_i ← clamp(λ_i − η·û_i, 0, λ_max,i) for each constraint i. A violated constraint (û &lt; 0)
 * raises its multiplier; a slack one lowers it towards 0. For the first {@code delay} iterations
 * λ is held (no step).
 *
 * @param settings the step size η, the caps λ_max and the delay
 */
public record CaidDualUpdate(DualStep settings) implements DualUpdate {
  /** The step symbol of CAID's step size. */
  public static final String ETA = "η";

  /** CAID's step with step size {@code eta}, caps {@code lambdaMax} and {@code delay}. */
  public CaidDualUpdate(double eta, double[] lambdaMax, int delay) {
    this(new DualStep(ETA, eta, lambdaMax, delay));
  }

  /**
   * λ(t+1) from λ(t) and the slack estimate û measured on the policy of iteration t.
   *
   * @throws DualStepRefusedException when some û is not usable (empty sample, NaN/∞)
   */
  @Override
  public DualState step(DualState state, ConstraintEstimate estimate) {
    DualUpdates.check(state, estimate, settings.constraints());
    double[] lambda = state.lambda();
    if (settings.moves(state)) {
      double[] u = estimate.slack();
      for (int i = 0; i < lambda.length; i++) {
        lambda[i] = clamp(lambda[i] - settings.size() * u[i], 0.0, settings.cap(i));
      }
    }
    return new DualState(state.iteration() + 1, lambda);
  }

  /** The step size η. */
  public double eta() {
    return settings.size();
  }

  /** The caps as an array (a copy). */
  @Override
  public double[] lambdaMax() {
    return settings.lambdaMax();
  }

  static double clamp(double x, double lo, double hi) {
    if (Double.isNaN(x)) {
      throw new IllegalStateException("NaN multiplier");
    }
    return Math.max(lo, Math.min(hi, x));
  }

  /** The settings as logged: η, λ_max and delay. */
  @Override
  public String toString() {
    return "CaidDualUpdate[" + settings + "]";
  }
}
