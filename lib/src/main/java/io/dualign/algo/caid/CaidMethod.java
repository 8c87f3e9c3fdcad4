package io.dualign.algo.caid;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.PairLabels;
import io.dualign.algo.WarmStart;
import io.dualign.config.DualSettings;
import io.dualign.dual.DualUpdate;
import java.util.Optional;

/**
 * {@code CaidMethod} is CAID, iterative dualization: λ(1) is the one-shot λ*, each iteration
 * relabels the pairs at λ(t), and λ moves by CAID's projected subgradient step ({@code
 * CaidDualUpdate}) on û from rollouts of θ(t). Every iteration's policy is evaluated.
 */
public final class CaidMethod implements AlignMethod {
  public static final String NAME = "caid";

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
    return Optional.of(dual.caidUpdate());
  }

  @Override
  public boolean evaluatesEveryIteration() {
    return true;
  }

  @Override
  public String toString() {
    return NAME;
  }
}
