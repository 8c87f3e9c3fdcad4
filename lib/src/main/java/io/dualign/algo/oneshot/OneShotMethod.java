package io.dualign.algo.oneshot;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.PairLabels;
import io.dualign.algo.WarmStart;
import io.dualign.config.DualSettings;
import io.dualign.dual.DualUpdate;
import java.util.Optional;

/**
 * {@code OneShotMethod} is the one-shot baseline (MoCAN): the pairs relabelled at the fixed
 * one-shot λ* of {@code solve-dual} in every iteration; no rollouts, no dual step.
 */
public final class OneShotMethod implements AlignMethod {
  public static final String NAME = "oneshot";

  @Override
  public String cliName() {
    return NAME;
  }

  @Override
  public WarmStart warmStart() {
    return WarmStart.lambdaStar();
  }

  @Override
  public PairLabels labels() {
    return PairLabels.atLambda();
  }

  @Override
  public Optional<DualUpdate> dualUpdate(DualSettings dual) {
    return Optional.empty();
  }

  @Override
  public String toString() {
    return NAME;
  }
}
