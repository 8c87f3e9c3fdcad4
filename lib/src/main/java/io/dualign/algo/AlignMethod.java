package io.dualign.algo;

import io.dualign.config.AlignSettings;
import io.dualign.config.DualSettings;
import io.dualign.dual.DualUpdate;
import java.util.Optional;

/**
 * An {@code AlignMethod} is one way the {@code align} stage trains the policy. Every method runs
 * the same stages (label the pairs → one DPO epoch → commit, and, when λ moves, rollout →
 * aggregate û → dual step) and is made of three parts: where λ(1) comes from ({@link
 * #warmStart}), how the pairs are labelled ({@link #labels}) and which dual step moves λ between
 * iterations, if any ({@link #dualUpdate}). The stage driver ({@code AlignRun}) reads only these
 * parts; the methods themselves live in their algorithm's package and are found by name in
 * {@code AlignMethods}.
 */
public interface AlignMethod {
  /**
   * The method's name: on the command line ({@code align --method}), in {@code align.methods}
   * and as the folder {@code align/<name>}.
   */
  String cliName();

  /** Where λ(1) comes from. */
  WarmStart warmStart();

  /** How the pairs of each iteration are labelled. */
  PairLabels labels();

  /**
   * The multiplier step between iterations with these settings, taken from rollouts of the
   * method's own policy; empty when λ stays at its warm start (no rollouts, no dual step).
   */
  Optional<DualUpdate> dualUpdate(DualSettings dual);

  /** The number of iterations T: {@code align.iterations}, for every method. */
  default int iterations(AlignSettings align) {
    return align.iterations();
  }

  /**
   * Whether evaluation looks at every iteration's policy rather than only the last one (CAID's
   * trajectory).
   */
  default boolean evaluatesEveryIteration() {
    return false;
  }
}
