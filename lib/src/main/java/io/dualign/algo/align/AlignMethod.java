package io.dualign.algo.align;

import io.dualign.config.ConfigError;
import java.util.Arrays;
import java.util.Locale;

/**
 * An {@code AlignMethod} is one way the {@code align} stage trains the policy; all share the
 * relabel → DPO epoch → commit stages and differ in where the labels come from and whether λ
 * moves: {@link #CAID} relabels at λ(t) and takes dual steps from rollouts; {@link #ONESHOT}
 * relabels at the fixed one-shot λ*; {@link #SAFE_RLHF}, the primal-dual baseline, relabels at
 * λ(t) like CAID but starts at {@code dual.safeRlhf.lambdaInit} (no one-shot warm start) and
 * steps ln λ ← ln λ − α·λ·û (Safe RLHF's multiplier update); {@link #DPO_HELPFUL} and {@link
 * #DPO_SAFE} use the data's {@code better_response_id} and {@code safer_response_id}.
 */
public enum AlignMethod {
  CAID("caid"),
  ONESHOT("oneshot"),
  DPO_HELPFUL("dpo-helpful"),
  DPO_SAFE("dpo-safe"),
  SAFE_RLHF("safe-rlhf");

  private final String cliName;

  AlignMethod(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line, in {@code align.methods} and as the folder align/&lt;name&gt;. */
  public String cliName() {
    return cliName;
  }

  /** Whether labels are pseudo-labels drawn at a multiplier (CAID, one-shot, Safe RLHF). */
  public boolean relabels() {
    return this == CAID || this == ONESHOT || this == SAFE_RLHF;
  }

  /** Whether the method starts from the one-shot λ* (and so needs solve-dual): CAID, one-shot. */
  public boolean startsAtLambdaStar() {
    return this == CAID || this == ONESHOT;
  }

  /** Whether the method takes dual steps from rollouts of its own policy (CAID, Safe RLHF). */
  public boolean dualSteps() {
    return this == CAID || this == SAFE_RLHF;
  }

  /** The method with this name; a {@link ConfigError} naming the allowed ones otherwise. */
  public static AlignMethod of(String name) {
    return Arrays.stream(values()).filter(m -> m.cliName.equals(name)).findFirst()
        .orElseThrow(() -> new ConfigError("unknown align method '" + name + "'; one of: "
            + String.join(", ", Arrays.stream(values()).map(AlignMethod::cliName).toList())
            .toLowerCase(Locale.ROOT)));
  }
}
