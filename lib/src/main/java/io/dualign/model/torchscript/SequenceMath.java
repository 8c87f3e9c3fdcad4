package io.dualign.model.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/** {@code SequenceMath} holds the pure NDArray functions on logits that log-probabilities and the LM loss share. */
public final class SequenceMath {
  private SequenceMath() {}

  /**
   * The log-probability of each next token: {@code out[b, t] = log softmax(logits[b, t])[ids[b, t + 1]]}, shape
   * {@code [B, T - 1]}.
   *
   * @param logits float {@code [B, T, V]}
   * @param ids int64 {@code [B, T]}
   */
  public static NDArray nextTokenLogProbs(NDArray logits, NDArray ids) {
    NDArray logp = logits.get(new NDIndex(":, :-1, :")).logSoftmax(2);
    NDArray targets = ids.get(new NDIndex(":, 1:")).expandDims(2);
    return logp.gather(targets, 2).squeeze(2);
  }

  /**
   * Which next-token predictions count: {@code out[b, t] = targets[b, t + 1] * attention[b, t] * attention[b, t + 1]},
   * float {@code [B, T - 1]}. A target counts when it is marked in {@code targets} and both it and its context token
   * are real.
   */
  public static NDArray targetMask(NDArray attention, NDArray targets) {
    NDArray both = attention.get(new NDIndex(":, :-1")).mul(attention.get(new NDIndex(":, 1:")));
    return both.mul(targets.get(new NDIndex(":, 1:"))).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
  }

  /** The mean over counted targets of {@code -log p}: the next-token cross-entropy, a scalar. */
  public static NDArray meanNll(NDArray tokenLogProbs, NDArray mask) {
    return tokenLogProbs.mul(mask).sum().neg().div(mask.sum());
  }
}
