package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * An {@code AttentionMask} is what a decoder's attention needs from an attention mask: the
 * position of each new token (the number of real tokens before it, so left padding changes
 * nothing) and the additive bias on the attention scores (padding keys and, for several new
 * tokens, the keys after each query masked). Every decoder of the project (the built-in one and
 * the Hugging Face ones) builds it here.
 *
 * @param positions int64 {@code [batch, time]}
 * @param bias {@code [1 or batch, 1, 1 or time, keys]} (0 seen, {@link #MASKED} masked), or null
 *     when every query sees every key
 */
public record AttentionMask(NDArray positions, NDArray bias) {
  /** Additive attention bias of a masked key; finite so fully-masked (pad) rows stay finite. */
  public static final float MASKED = -1e9f;

  /**
   * The mask of {@code t} new tokens of {@code b} rows after {@code past} cached ones.
   *
   * @param attentionMask {@code [b, past + t]} 1 token, 0 padding; null when no row has padding
   * @param maxPosition the largest position the model embeds (positions are clipped to it)
   * @throws IllegalArgumentException when the mask does not cover the cached and new tokens
   */
  public static AttentionMask of(NDManager m, NDArray attentionMask, long b, long t, long past,
      int maxPosition) {
    long s = attentionMask == null ? past + t : attentionMask.getShape().get(1);
    if (past + t != s) {
      throw new IllegalArgumentException("attention mask covers " + s + " keys but the cache holds "
          + past + " and " + t + " new tokens were given");
    }
    NDArray positions;
    NDArray bias = null;
    if (attentionMask == null) {
      long[] pos = new long[(int) (b * t)];
      for (int i = 0; i < pos.length; i++) {
        pos[i] = past + i % t;
      }
      positions = m.create(pos, new Shape(b, t));
    } else {
      NDArray mask = attentionMask.toType(DataType.FLOAT32, false);
      positions = mask.cumSum(1).sub(1).clip(0, maxPosition)
          .get(new NDIndex().addAllDim().addSliceDim(s - t, s)).toType(DataType.INT64, false);
      bias = mask.sub(1).mul(-MASKED).reshape(b, 1, 1, s); // padding keys
    }
    if (t > 1) { // a single new token sees every key: nothing to mask causally
      float[] causal = new float[(int) (t * s)];
      for (int i = 0; i < t; i++) {
        for (int j = 0; j < s; j++) {
          causal[(int) (i * s + j)] = j <= past + i ? 0f : MASKED;
        }
      }
      NDArray causalBias = m.create(causal, new Shape(1, 1, t, s));
      bias = bias == null ? causalBias : bias.add(causalBias);
    }
    return new AttentionMask(positions, bias);
  }
}
