package io.dualign.dual;

import java.util.Locale;

/** {@code DualUpdates} holds the checks every dual step shares. */
final class DualUpdates {
  private DualUpdates() {}

  /**
   * Refuses an estimate that cannot drive a step from {@code state}.
   *
   * @throws IllegalArgumentException when the sizes differ
   * @throws DualStepRefusedException when a constraint's sample is empty or its û not finite
   */
  static void check(DualState state, ConstraintEstimate estimate, int capacity) {
    if (estimate.size() != state.size() || capacity != state.size()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "iteration %d: λ has %d components, the estimate %d constraints and λ_max %d",
          state.iteration(), state.size(), estimate.size(), capacity));
    }
    for (SlackEstimate s : estimate.slacks()) {
      if (!s.usable()) {
        throw new DualStepRefusedException(String.format(Locale.ROOT,
            "iteration %d: dual step refused for constraint %s: û = %s from n = %d finite "
                + "policy values (%d non-finite or errored)%s; λ stays %s",
            state.iteration(), s.constraint().name(), s.slack(), s.policy().count(),
            s.policy().nonFinite(),
            s.relative() ? String.format(Locale.ROOT,
                " and n = %d finite reference values (%d non-finite or errored)",
                s.reference().count(), s.reference().nonFinite()) : "",
            java.util.Arrays.toString(state.lambda())));
      }
    }
  }

}
