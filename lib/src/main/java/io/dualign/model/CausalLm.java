package io.dualign.model;

import ai.djl.ndarray.NDArray;

/**
 * A {@code CausalLm} is a language model as generation, log-probability and training code use it:
 * {@code [batch, time]} token ids and an attention mask (1 token, 0 padding; left or right) in,
 * next-token logits {@code [batch, time, vocab]} out. A null attention mask means no row has
 * padding (the same result as a mask of ones, without the masking work). A model that can
 * decode incrementally also offers a key/value cache; one that cannot (e.g. a TorchScript
 * {@code forward(ids, mask)}) is recomputed over the whole sequence each step.
 */
public interface CausalLm extends TrainableModel {
  int vocabSize();

  /** The longest sequence (prompt + response) the model accepts. */
  int contextLength();

  NDArray logits(NDArray ids, NDArray attentionMask, boolean training);

  /**
   * log softmax(logits[p])[next[i]] for each flat position {@code p = positions[i]} ({@code row
   * * time + column} of {@code ids}): {@code [n]}. Only these positions count, so a model may
   * compute its vocabulary head at them alone; this default computes all logits and picks.
   *
   * @param positions int64 {@code [n]}
   * @param next int64 {@code [n]}, the token whose log-probability is wanted at each position
   */
  default NDArray nextTokenLogProbs(NDArray ids, NDArray attentionMask, NDArray positions,
      NDArray next, boolean training) {
    NDArray logits = logits(ids, attentionMask, training);
    return SequenceLogProbs.pick(logits.reshape(-1, vocabSize()).get(positions), next);
  }

  /**
   * The logits {@code [batch, vocab]} of the last column of {@code ids} (the next token after
   * the sequence); a model may compute its head there alone. Arguments as {@link
   * #logits(NDArray, NDArray, boolean)} or, with a cache, {@link #logits(NDArray, NDArray,
   * KvCache)}; {@code cache} null for a full forward.
   */
  default NDArray lastLogits(NDArray ids, NDArray attentionMask, KvCache cache) {
    NDArray logits = cache == null ? logits(ids, attentionMask, false)
        : logits(ids, attentionMask, cache);
    return logits.get(":, -1, :");
  }

  default boolean supportsKvCache() {
    return false;
  }

  /** A new, empty cache for up to {@code capacity} tokens, living as long as {@code owner}. */
  default KvCache newCache(ai.djl.ndarray.NDManager owner, int capacity) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no KV cache");
  }

  /**
   * Logits for {@code ids} that follow the cached tokens; {@code attentionMask} covers the cached
   * and the new tokens. Extends the cache.
   */
  default NDArray logits(NDArray ids, NDArray attentionMask, KvCache cache) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no KV cache");
  }
}
