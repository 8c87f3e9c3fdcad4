package io.dualign.algo.align;

import io.dualign.config.ConfigError;
import java.util.Arrays;
import java.util.Locale;

/**
 * An {@code AlignMethod} is one way the {@code align} stage trains the policy; all share the
 * relabel → DPO epoch → commit stages and differ in where the labels come from and whether λ
 * moves: {@link #CAID} relabels at λ(t) and takes dual steps from rollouts; {@link #ONESHOT}
 * relabels at the fixed one-shot λ*; {@link #DPO_HELPFUL} and {@link #DPO_SAFE} use the data's
 * {@code better_response_id} and {@code safer_response_id}.
 */
public enum AlignMethod {
  CAID("caid"),
  ONESHOT("oneshot"),
  DPO_HELPFUL("dpo-helpful"),
  DPO_SAFE("dpo-safe");

  private final String cliName;

  AlignMethod(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line, in {@code align.methods} and as the folder align/&lt;name&gt;. */
  public String cliName() {
    return cliName;
  }

  /** Whether labels are pseudo-labels drawn at a multiplier (CAID, one-shot). */
  public boolean relabels() {
    return this == CAID || this == ONESHOT;
  }

  /** Whether the method takes dual steps from rollouts of its own policy. */
  public boolean dualSteps() {
    return this == CAID;
  }

  /** The method with this name; a {@link ConfigError} naming the allowed ones otherwise. */
  public static AlignMethod of(String name) {
    return Arrays.stream(values()).filter(m -> m.cliName.equals(name)).findFirst()
        .orElseThrow(() -> new ConfigError("unknown align method '" + name + "'; one of: "
            + String.join(", ", Arrays.stream(values()).map(AlignMethod::cliName).toList())
            .toLowerCase(Locale.ROOT)));
  }
}
