package io.dualign.dual;

import java.util.Arrays;
import java.util.Objects;

/**
 * A {@code DualStep} is what every multiplier step shares: its step size (CAID's η, Safe RLHF's
 * α), the per-constraint caps λ_max and the delay, the number of iterations whose estimate does
 * not move λ. {@link CaidDualUpdate} and {@link SafeRlhfDualUpdate} differ only in how one
 * component moves.
 *
 * @param symbol the step size's name in messages and logs ({@code η}, {@code α})
 * @param size step size &gt; 0
 * @param lambdaMax per-constraint caps λ_max &gt; 0 (keep λ finite when a constraint looks
 *     infeasible)
 * @param delay number of iterations whose estimate does not move λ, &gt;= 0
 */
public record DualStep(String symbol, double size, double[] lambdaMax, int delay) {
  public DualStep {
    Objects.requireNonNull(symbol, "symbol");
    if (!(size > 0) || !Double.isFinite(size)) {
      throw new IllegalArgumentException("dual step size " + symbol
          + " must be finite and > 0, was " + size);
    }
    if (delay < 0) {
      throw new IllegalArgumentException("delay must be >= 0, was " + delay);
    }
    lambdaMax = lambdaMax.clone();
    checkCaps(lambdaMax);
  }

  /** Refuses caps that are not all finite and &gt; 0, naming the first bad one. */
  static void checkCaps(double[] lambdaMax) {
    for (int i = 0; i < lambdaMax.length; i++) {
      if (!(lambdaMax[i] > 0) || !Double.isFinite(lambdaMax[i])) {
        throw new IllegalArgumentException("λ_max[" + i + "] must be finite and > 0, was "
            + lambdaMax[i]);
      }
    }
  }

  /** The caps as an array (a copy). */
  @Override
  public double[] lambdaMax() {
    return lambdaMax.clone();
  }

  /** The number of constraints the caps cover. */
  public int constraints() {
    return lambdaMax.length;
  }

  /** The cap of constraint {@code i}. */
  public double cap(int i) {
    return lambdaMax[i];
  }

  /** Whether the estimate of {@code state}'s iteration moves λ (it is past the delay). */
  public boolean moves(DualState state) {
    return state.iteration() > delay;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DualStep s && s.symbol.equals(symbol) && Double.compare(s.size, size) == 0
        && s.delay == delay && Arrays.equals(s.lambdaMax, lambdaMax);
  }

  @Override
  public int hashCode() {
    return Objects.hash(symbol, size, delay, Arrays.hashCode(lambdaMax));
  }

  /** The settings as logged: {@code η=0.5, λ_max=[10.0], delay=0}. */
  @Override
  public String toString() {
    return symbol + "=" + size + ", λ_max=" + Arrays.toString(lambdaMax) + ", delay=" + delay;
  }
}
