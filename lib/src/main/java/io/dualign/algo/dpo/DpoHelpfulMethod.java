package io.dualign.algo.dpo;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.PairLabels;
import io.dualign.algo.WarmStart;
import io.dualign.config.DualSettings;
import io.dualign.dual.DualUpdate;
import java.util.Optional;

/**
 * {@code DpoHelpfulMethod} is DPO on the data's helpfulness labels ({@code better_response_id});
 * λ does not enter its labels (it stays 0), no rollouts, no dual step.
 */
public final class DpoHelpfulMethod implements AlignMethod {
  public static final String NAME = "dpo-helpful";

  @Override
  public String cliName() {
    return NAME;
  }

  @Override
  public WarmStart warmStart() {
    return WarmStart.zero();
  }

  @Override
  public PairLabels labels() {
    return PairLabels.fromData(PairLabels.BETTER);
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
