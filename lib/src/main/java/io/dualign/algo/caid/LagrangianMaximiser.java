package io.dualign.algo.caid;

/**
 * A {@code LagrangianMaximiser} is step 2 of a CAID iteration: from the policy of the previous
 * iteration it returns a policy that (approximately) maximises the Lagrangian
 * E[r + λᵀh] − β·KL(π ‖ π_ref) at the given λ. The neural version relabels the scored pairs at λ
 * and runs one DPO epoch; the exact one returns the closed-form π_λ.
 *
 * @param <P> the policy type (a checkpoint reference, a tabular policy...)
 */
@FunctionalInterface
public interface LagrangianMaximiser<P> {
  P maximise(P previous, double[] lambda, int iteration);
}
