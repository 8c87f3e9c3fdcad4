package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * {@code GroupedAttention} is scaled dot-product attention with {@code heads} query heads and
 * {@code kvHeads} key/value heads (grouped-query attention; equal counts are multi-head
 * attention), extending a {@link KvCache} when one is given. The query heads of a group are
 * stacked as extra query rows (token-major), so each group is one matrix product against its
 * keys. The built-in decoder and the Hugging Face decoders share it.
 */
public final class GroupedAttention {
  private GroupedAttention() {}

  /**
   * The attention output {@code [b·t, heads·headDim]}.
   *
   * @param q queries, {@code b·t·heads·headDim} values token-major (e.g. {@code [b·t,
   *     heads·headDim]} or {@code [b, t, heads, headDim]}), not yet scaled
   * @param k keys {@code b·t·kvHeads·headDim} values token-major; likewise {@code v}
   * @param bias from {@link AttentionMask}, or null
   * @param queryScale 1/√headDim as a {@link Scalars} array
   * @param cache keys/values of earlier tokens, updated in place; null for a full forward
   */
  public static NDArray attend(NDArray q, NDArray k, NDArray v, long b, long t, int heads,
      int kvHeads, int headDim, NDArray bias, NDArray queryScale, KvCache cache, int layer,
      boolean training) {
    int group = heads / kvHeads;
    int hd = headDim;
    // Queries [b, kvHeads, t * group, hd]: row i * group + j is token i's query head j of the
    // group (a view, no copy, when kvHeads = 1). A single token (a decoding step) needs no
    // transposes: its rows are already in that order.
    if (t == 1) {
      q = q.reshape(b, kvHeads, group, hd);
      k = k.reshape(b, kvHeads, 1, hd);
      v = v.reshape(b, kvHeads, 1, hd);
    } else {
      q = q.reshape(b, t, kvHeads, group, hd).transpose(0, 2, 1, 3, 4)
          .reshape(b, kvHeads, t * group, hd);
      k = k.reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3);
      v = v.reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3);
    }
    if (cache != null) {
      NDArray[] kv = cache.append(layer, k, v);
      k = kv[0];
      v = kv[1];
    }
    long keys = k.getShape().get(2);
    NDArray scores = q.mul(queryScale).matMul(k.transpose(0, 1, 3, 2));
    if (bias != null) {
      // In training the bias is added out of place: an in-place op on a view makes autograd
      // copy the whole base (CopySlices); without gradients in place saves an allocation.
      Shape bs = bias.getShape();
      NDArray biasView = bias.reshape(bs.get(0), 1, bs.get(2), 1, keys);
      scores = scores.reshape(b, kvHeads, t, group, keys);
      scores = (training ? scores.add(biasView) : scores.addi(biasView))
          .reshape(b, kvHeads, t * group, keys);
    }
    NDArray att = scores.softmax(-1).matMul(v);
    return t == 1 ? att.reshape(b, (long) heads * hd) : att.reshape(b, kvHeads, t, group, hd)
        .transpose(0, 2, 1, 3, 4).reshape(b * t, (long) heads * hd);
  }
}
