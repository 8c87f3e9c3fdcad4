package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code TransformerNet} is the built-in decoder-only transformer as a DJL block: token and
 * learned position embeddings, {@code layers} pre-norm {@link TransformerLayer}s, a final layer
 * norm, and the head of its {@link ModelArchitecture} (vocabulary logits, or one score per
 * position).
 */
public final class TransformerNet extends AbstractBlock {
  private final ModelArchitecture arch;
  private final Parameter tokenEmbedding;
  private final Parameter positionEmbedding;
  private final List<TransformerLayer> layers = new ArrayList<>();
  private final LayerNorm finalNorm;
  private final Linear head;

  public TransformerNet(ModelArchitecture arch) {
    super((byte) 1);
    this.arch = arch;
    tokenEmbedding = addParameter(Parameter.builder().setName("tokenEmbedding")
        .setType(Parameter.Type.WEIGHT).optShape(new Shape(arch.vocabSize(), arch.dModel()))
        .build());
    positionEmbedding = addParameter(Parameter.builder().setName("positionEmbedding")
        .setType(Parameter.Type.WEIGHT).optShape(new Shape(arch.contextLength(), arch.dModel()))
        .build());
    for (int i = 0; i < arch.layers(); i++) {
      layers.add(addChildBlock("layer" + i,
          new TransformerLayer(arch.dModel(), arch.heads(), arch.kvHeads(), arch.ffnHidden())));
    }
    finalNorm = addChildBlock("finalNorm", LayerNorm.builder().axis(1).build());
    head = addChildBlock(arch.head() == ModelArchitecture.Head.LANGUAGE_MODEL ? "lmHead" : "scoreHead",
        Linear.builder().setUnits(arch.head() == ModelArchitecture.Head.LANGUAGE_MODEL
            ? arch.vocabSize() : 1).optBias(arch.head() == ModelArchitecture.Head.SCORE).build());
  }

  public ModelArchitecture architecture() {
    return arch;
  }

  /**
   * The head's output for {@code ids} ({@code [batch, time]}, int64): logits
   * {@code [batch, time, vocab]} or scores {@code [batch, time]}.
   *
   * @param attentionMask {@code [batch, keys]} 1 for a token, 0 for padding; {@code keys} is the
   *     cached length plus {@code time} (the last {@code time} columns belong to {@code ids}).
   *     Null when no row has padding (every cached and new token real): the same result without
   *     the masking work
   * @param cache earlier keys/values, extended in place; null for a full forward
   */
  public NDArray forward(ParameterStore ps, NDArray ids, NDArray attentionMask, KvCache cache,
      boolean training) {
    NDArray out = applyHead(ps, hidden(ps, ids, attentionMask, cache, training), training);
    return arch.head() == ModelArchitecture.Head.SCORE ? out.squeeze(2) : out;
  }

  /**
   * The last hidden states {@code [batch, time, dModel]} (after the final layer norm, before the
   * head); arguments as {@link #forward}.
   */
  public NDArray hidden(ParameterStore ps, NDArray ids, NDArray attentionMask, KvCache cache,
      boolean training) {
    long b = ids.getShape().get(0);
    long t = ids.getShape().get(1);
    long past = cache == null ? 0 : cache.length();
    if (past + t > arch.contextLength()) {
      throw new IllegalArgumentException("sequence of " + (past + t) + " tokens exceeds the "
          + "model's context length " + arch.contextLength());
    }
    AttentionMask am = AttentionMask.of(ids.getManager(), attentionMask, b, t, past,
        arch.contextLength() - 1);
    NDArray positions = am.positions();
    NDArray bias = am.bias();
    NDArray tok = ps.getValue(tokenEmbedding, ids.getDevice(), training);
    NDArray pos = ps.getValue(positionEmbedding, ids.getDevice(), training);
    // The residual stream as a [b·t, dModel] matrix (see TransformerLayer).
    NDArray x = Embedding.embedding(ids, tok, SparseFormat.DENSE).singletonOrThrow()
        .add(Embedding.embedding(positions, pos, SparseFormat.DENSE).singletonOrThrow())
        .reshape(b * t, arch.dModel());
    NDArray queryScale = TransformerLayer.queryScale(x, arch.headDim());
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).forward(ps, x, b, t, bias, queryScale, cache, i, training);
    }
    if (cache != null) {
      cache.advance(t);
    }
    return finalNorm.forward(ps, new NDList(x), training).singletonOrThrow()
        .reshape(b, t, arch.dModel());
  }

  /**
   * The head applied to hidden states {@code [..., dModel]}: logits {@code [..., vocab]} or
   * scores {@code [..., 1]}.
   */
  public NDArray applyHead(ParameterStore ps, NDArray hidden, boolean training) {
    return head.forward(ps, new NDList(hidden), training).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    return new NDList(forward(ps, inputs.get(0), inputs.get(1), null, training));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {arch.head() == ModelArchitecture.Head.SCORE ? in
        : new Shape(in.get(0), in.get(1), arch.vocabSize())};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape hidden = new Shape(1, 1, arch.dModel());
    for (TransformerLayer layer : layers) {
      layer.initialize(manager, dataType, hidden);
    }
    finalNorm.initialize(manager, dataType, new Shape(1, arch.dModel()));
    head.initialize(manager, dataType, hidden);
  }
}
