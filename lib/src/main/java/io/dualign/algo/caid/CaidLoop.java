package io.dualign.algo.caid;

import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.DualState;
import io.dualign.dual.DualUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A {@code CaidLoop} is CAID's outer loop (docs/algorithms.md), written against its two moving
 * parts so the neural and the exact versions share it: for t = 1..T, θ(t) = maximise(θ(t−1), λ(t));
 * if t &lt; T, û(t) = evaluate(θ(t)) and λ(t+1) = clamp(λ(t) − η·û(t), 0, λ_max). λ(1) is the warm
 * start (the one-shot λ*) and θ(0) the reference policy. The same loop with Safe RLHF's
 * multiplier step (another {@link DualUpdate}) and its λ(1) is the primal-dual baseline.
 *
 * <p>Without an evaluator λ stays at its warm start (the fixed-multiplier baselines: one-shot
 * DPO at λ*, DPO on the data's labels): no rollout, no dual step (the update may then be null),
 * T maximisation steps.
 *
 * <p>Each finished iteration is handed to a listener before the next starts (where the neural
 * version commits it), and {@link #resume} continues from the last committed iteration.
 *
 * @param <P> the policy type
 */
public final class CaidLoop<P> {
  private final LagrangianMaximiser<P> maximiser;
  private final ConstraintEvaluator<P> evaluator;
  private final DualUpdate update;
  private final int iterations;

  public CaidLoop(LagrangianMaximiser<P> maximiser, ConstraintEvaluator<P> evaluator,
      DualUpdate update, int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("CAID needs at least one iteration, was " + iterations);
    }
    this.maximiser = Objects.requireNonNull(maximiser);
    this.evaluator = evaluator;
    this.update = evaluator == null ? update : Objects.requireNonNull(update);
    this.iterations = iterations;
  }

  /** Runs iterations 1..T from θ(0) = {@code reference} and λ(1) = {@code warmStart}. */
  public List<CaidIteration<P>> run(P reference, double[] warmStart,
      Consumer<CaidIteration<P>> onIteration) {
    return resume(reference, new DualState(1, warmStart), onIteration);
  }

  /**
   * Runs iterations {@code lambda.iteration()}..T from policy θ(t−1) = {@code previous} and
   * λ(t) = {@code lambda}: the state a committed iteration t−1 left behind.
   */
  public List<CaidIteration<P>> resume(P previous, DualState lambda,
      Consumer<CaidIteration<P>> onIteration) {
    List<CaidIteration<P>> done = new ArrayList<>();
    P policy = previous;
    DualState state = lambda;
    for (int t = lambda.iteration(); t <= iterations; t++) {
      policy = maximiser.maximise(policy, state.lambda(), t);
      ConstraintEstimate estimate = null;
      DualState next = null;
      if (t < iterations) {
        if (evaluator == null) {
          next = new DualState(t + 1, state.lambda());
        } else {
          estimate = evaluator.evaluate(policy, t);
          next = update.step(state, estimate);
        }
      }
      CaidIteration<P> it = new CaidIteration<>(t, state, policy, estimate, next);
      onIteration.accept(it);
      done.add(it);
      state = next;
    }
    return done;
  }

  public int iterations() {
    return iterations;
  }
}
