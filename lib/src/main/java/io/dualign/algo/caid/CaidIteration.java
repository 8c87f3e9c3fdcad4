package io.dualign.algo.caid;

import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.DualState;

/**
 * A {@code CaidIteration} is what one CAID iteration t did: the multipliers λ(t) it maximised the
 * Lagrangian at, the slack estimate û of the resulting policy θ(t) and the multipliers λ(t+1) of
 * the dual step (both null in the last iteration, which takes no rollout), and the policy θ(t).
 *
 * @param <P> the policy type
 */
public record CaidIteration<P>(int iteration, DualState lambda, P policy,
    ConstraintEstimate estimate, DualState nextLambda) {}
