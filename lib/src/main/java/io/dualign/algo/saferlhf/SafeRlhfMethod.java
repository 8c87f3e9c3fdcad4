package io.dualign.algo.saferlhf;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.PairLabels;
import io.dualign.algo.WarmStart;
import io.dualign.config.DualSettings;
import io.dualign.dual.DualUpdate;
import java.util.Optional;

/**
 * {@code SafeRlhfMethod} is the primal-dual baseline: CAID's loop, relabelling at λ(t), but
 * starting at {@code dual.safeRlhf.lambdaInit} for every constraint (no one-shot warm start) and
 * stepping ln λ ← ln λ − α·λ·û, Safe RLHF's multiplier update ({@code SafeRlhfDualUpdate}).
 */
public final class SafeRlhfMethod implements AlignMethod {
  public static final String NAME = "safe-rlhf";

  @Override
  public String cliName() {
    return NAME;
  }

  @Override
  public WarmStart warmStart() {
    return WarmStart.constant(DualSettings::safeRlhfLambdaInit);
  }

  @Override
  public PairLabels labels() {
    return PairLabels.atLambda();
  }

  @Override
  public Optional<DualUpdate> dualUpdate(DualSettings dual) {
    return Optional.of(dual.safeRlhfUpdate());
  }

  @Override
  public String toString() {
    return NAME;
  }
}
