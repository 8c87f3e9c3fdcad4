package io.dualign.model.hf;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * A {@code LoraSpec} is the shape of a LoRA adapter as PEFT's {@code LoraConfig} names it: rank
 * {@code r}, {@code alpha} (the update is scaled by {@code alpha / r}), the dropout applied to a
 * projection's input on the adapter path while training, and the projections adapted, by their
 * Hugging Face module names.
 */
public record LoraSpec(int r, double alpha, double dropout, List<String> targetModules)
    implements Serializable {
  /** The projections of a Llama-family layer that may carry an adapter. */
  public static final Set<String> MODULES = Set.of("q_proj", "k_proj", "v_proj", "o_proj",
      "gate_proj", "up_proj", "down_proj");

  public LoraSpec {
    if (r < 1) {
      throw new IllegalArgumentException("LoRA rank r must be at least 1 (0 means full "
          + "fine-tuning and no adapter); got " + r);
    }
    if (!(alpha > 0) || !Double.isFinite(alpha)) {
      throw new IllegalArgumentException("LoRA alpha must be positive; got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1); got " + dropout);
    }
    if (targetModules.isEmpty()) {
      throw new IllegalArgumentException("LoRA targetModules is empty; name at least one of "
          + new java.util.TreeSet<>(MODULES));
    }
    for (String m : targetModules) {
      if (!MODULES.contains(m)) {
        throw new IllegalArgumentException("LoRA target module '" + m + "' is not one of "
            + new java.util.TreeSet<>(MODULES));
      }
    }
    targetModules = List.copyOf(targetModules);
  }

  /** The factor of the low-rank update, {@code alpha / r} (PEFT's {@code scaling}). */
  public double scale() {
    return alpha / r;
  }
}
