package io.dualign.algo.caid;

import io.dualign.dual.ConstraintEstimate;

/**
 * A {@code ConstraintEvaluator} is steps 3-4 of a CAID iteration: it measures the slack û of every
 * constraint under a policy (rollouts scored and aggregated, or exact expectations).
 *
 * @param <P> the policy type
 */
@FunctionalInterface
public interface ConstraintEvaluator<P> {
  ConstraintEstimate evaluate(P policy, int iteration);
}
