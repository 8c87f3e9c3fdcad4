package io.dualign.model.torchscript;

import java.util.Arrays;
import java.util.stream.Collectors;

/** A {@code ModelKind} is what a TorchScript bundle's {@code forward(input_ids, attention_mask)} returns. */
public enum ModelKind {
  /** A causal language model: logits {@code float32 [B, T, V]}. */
  CAUSAL_LM("causal-lm"),
  /** A score (reward or cost) model: the score at each row's last non-pad token, {@code float32 [B]}. */
  SCORE("score");

  private final String id;

  ModelKind(String id) {
    this.id = id;
  }

  /** The name used in {@code torchscript.json}. */
  public String id() {
    return id;
  }

  /** Parses a manifest's {@code kind}; an unknown value fails naming it and the allowed ones. */
  public static ModelKind parse(String value) {
    for (ModelKind k : values()) {
      if (k.id.equals(value)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown TorchScript model kind '" + value + "', expected one of: "
        + Arrays.stream(values()).map(ModelKind::id).collect(Collectors.joining(", ")));
  }
}
