package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A {@code TransformerLayer} is one pre-norm decoder layer: causal self-attention and a GELU
 * feed-forward network, each added to the residual stream. The residual stream is a
 * {@code [batch·time, dModel]} matrix: with 2-D inputs PyTorch adds each linear layer's bias
 * inside its matrix product (addmm) instead of in a separate pass over the output. Attention has
 * {@code heads} query heads and {@code kvHeads} key/value heads ({@link GroupedAttention}).
 */
final class TransformerLayer extends AbstractBlock {
  private final int dModel;
  private final int heads;
  private final int kvHeads;
  private final int ffnHidden;
  private final LayerNorm norm1;
  private final Linear qkv;
  private final Linear proj;
  private final LayerNorm norm2;
  private final Linear fc1;
  private final Linear fc2;

  TransformerLayer(int dModel, int heads, int kvHeads, int ffnHidden) {
    super((byte) 1);
    this.dModel = dModel;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.ffnHidden = ffnHidden;
    norm1 = addChildBlock("norm1", LayerNorm.builder().axis(1).build());
    qkv = addChildBlock("qkv",
        Linear.builder().setUnits(dModel + 2L * kvHeads * (dModel / heads)).build());
    proj = addChildBlock("proj", Linear.builder().setUnits(dModel).build());
    norm2 = addChildBlock("norm2", LayerNorm.builder().axis(1).build());
    fc1 = addChildBlock("fc1", Linear.builder().setUnits(ffnHidden).build());
    fc2 = addChildBlock("fc2", Linear.builder().setUnits(dModel).build());
  }

  /**
   * @param x the residual stream {@code [b·t, dModel]}, rows batch-major
   * @param bias additive attention bias {@code [batch or 1, 1, time or 1, keys]} (0 allowed, -1e9
   *     masked; a size-1 dimension is shared by every row or query), or null when every query
   *     sees every key
   * @param queryScale 1/√(head dimension) as a {@link Scalars} array (one per forward pass)
   * @param cache keys/values of earlier tokens, updated in place; null for a full forward
   */
  NDArray forward(ParameterStore ps, NDArray x, long b, long t, NDArray bias, NDArray queryScale,
      KvCache cache, int layer, boolean training) {
    int hd = dModel / heads;
    NDArray h = norm1.forward(ps, new NDList(x), training).singletonOrThrow();
    NDList parts = linear(ps, qkv, h, training)
        .split(new long[] {dModel, dModel + (long) kvHeads * hd}, 1);
    NDArray att = GroupedAttention.attend(parts.get(0), parts.get(1), parts.get(2), b, t, heads,
        kvHeads, hd, bias, queryScale, cache, layer, training);
    NDArray x1 = x.add(linear(ps, proj, att, training));
    NDArray h2 = norm2.forward(ps, new NDList(x1), training).singletonOrThrow();
    NDArray f = Activation.gelu(linear(ps, fc1, h2, training));
    return x1.add(linear(ps, fc2, f, training));
  }

  /** 1/√headDim, the factor on the queries, as a {@link Scalars} array like {@code x}. */
  static NDArray queryScale(NDArray x, int headDim) {
    return Scalars.of(x, 1.0 / Math.sqrt(headDim));
  }

  private static NDArray linear(ParameterStore ps, Linear layer, NDArray in, boolean training) {
    return layer.forward(ps, new NDList(in), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.get(0); // [b, t, dModel]
    long b = x.getShape().get(0);
    long t = x.getShape().get(1);
    return new NDList(forward(ps, x.reshape(b * t, dModel), b, t, inputs.get(1),
        queryScale(x, dModel / heads), null, 0, training).reshape(b, t, dModel));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = new Shape(1, dModel);
    norm1.initialize(manager, dataType, in);
    qkv.initialize(manager, dataType, in);
    proj.initialize(manager, dataType, in);
    norm2.initialize(manager, dataType, in);
    fc1.initialize(manager, dataType, in);
    fc2.initialize(manager, dataType, new Shape(1, ffnHidden));
  }
}
