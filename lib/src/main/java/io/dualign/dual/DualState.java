package io.dualign.dual;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code DualState} is the vector of Lagrange multipliers λ in force at one iteration: λ(t) is
 * used by iteration t (relabelling and the Lagrangian maximisation) and a dual step turns it into
 * λ(t+1). Every component is finite and ≥ 0.
 */
public final class DualState {
  private final int iteration;
  private final double[] lambda;

  public DualState(int iteration, double[] lambda) {
    if (lambda.length == 0) {
      throw new IllegalArgumentException("λ needs at least one component");
    }
    for (int i = 0; i < lambda.length; i++) {
      if (!Double.isFinite(lambda[i]) || lambda[i] < 0) {
        throw new IllegalArgumentException("iteration " + iteration + ": λ[" + i + "] = "
            + lambda[i] + " is not allowed: multipliers are finite and >= 0");
      }
    }
    this.iteration = iteration;
    this.lambda = lambda.clone();
  }

  public int iteration() {
    return iteration;
  }

  /** A copy of λ. */
  public double[] lambda() {
    return lambda.clone();
  }

  public double lambda(int i) {
    return lambda[i];
  }

  public int size() {
    return lambda.length;
  }

  /** λ by constraint name, for {@code _SUCCESS.json}. */
  public Map<String, Double> toMap(List<Constraint> constraints) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (int i = 0; i < lambda.length; i++) {
      m.put(constraints.get(i).name(), lambda[i]);
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DualState d && d.iteration == iteration && Arrays.equals(d.lambda, lambda);
  }

  @Override
  public int hashCode() {
    return 31 * iteration + Arrays.hashCode(lambda);
  }

  @Override
  public String toString() {
    return "λ(" + iteration + ") = " + Arrays.toString(lambda);
  }
}
