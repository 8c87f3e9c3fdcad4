package io.dualign.model;

import ai.djl.ndarray.NDArray;

/**
 * A {@code CausalLm} is a language model as generation, log-probability and training code use it:
 * {@code [batch, time]} token ids and an attention mask (1 token, 0 padding; left or right) in,
 * next-token logits {@code [batch, time, vocab]} out. A model that can decode incrementally also
 * offers a key/value cache; one that cannot (e.g. a TorchScript {@code forward(ids, mask)}) is
 * recomputed over the whole sequence each step.
 */
public interface CausalLm extends TrainableModel {
  int vocabSize();

  /** The longest sequence (prompt + response) the model accepts. */
  int contextLength();

  NDArray logits(NDArray ids, NDArray attentionMask, boolean training);

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
