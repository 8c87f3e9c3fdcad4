package io.dualign.dual;

/**
 * A {@code DualFunction} evaluates the one-shot dual D, ∇D and its Hessian at a given λ, over
 * samples it holds in memory ({@link InMemoryDualFunction}) or in a Spark table
 * ({@link SparkDualFunction}).
 */
public interface DualFunction {
  /** Number of constraints m (the length of λ). */
  int size();

  DualValue evaluate(double[] lambda);
}
