package io.dualign.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.dualign.model.AttentionMask;
import io.dualign.model.GroupedAttention;
import io.dualign.model.KvCache;
import io.dualign.model.Scalars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@code HfDecoder} is the Llama-family decoder as a DJL block, with the parameter names of
 * the Hugging Face checkpoint: token embedding, {@code layers} pre-norm layers (RMSNorm, rotary
 * grouped-query attention with optional q/k/v biases, RMSNorm, SwiGLU MLP), a final RMSNorm and
 * the head of its {@link HfArchitecture} (language-model logits, tied or not, or one score per
 * position). Attention and the mask are the project's shared {@link GroupedAttention} and
 * {@link AttentionMask}. Weights may be stored in a narrower type than the computation: each is
 * cast to {@code computeType} where it is used.
 */
public final class HfDecoder extends AbstractBlock {
  private final HfConfig cfg;
  private final DataType computeType;
  private final float[] inverseFrequencies;
  private final Map<String, Parameter> byName = new LinkedHashMap<>();
  private final Map<String, Shape> shapes = new LinkedHashMap<>();
  private final Parameter embed;
  private final List<Layer> layers = new ArrayList<>();
  private final Parameter finalNorm;
  private final Parameter head;
  private final Parameter headBias;

  /** One decoder layer's parameters. */
  private record Layer(Parameter inNorm, Parameter q, Parameter qBias, Parameter k,
      Parameter kBias, Parameter v, Parameter vBias, Parameter o, Parameter oBias,
      Parameter postNorm, Parameter gate, Parameter gateBias, Parameter up, Parameter upBias,
      Parameter down, Parameter downBias) {}

  /**
   * A decoder of shape {@code cfg} whose parameters are declared but not set: {@link
   * #parameterShapes()} says what to load, {@link #set} loads it.
   */
  public HfDecoder(HfConfig cfg, DataType computeType) {
    super((byte) 1);
    this.cfg = cfg;
    this.computeType = computeType;
    this.inverseFrequencies = cfg.ropeScaling().inverseFrequencies(cfg.ropeTheta(),
        cfg.headDim());
    int h = cfg.hiddenSize();
    embed = declare("model.embed_tokens.weight", cfg.vocabSize(), h);
    for (int i = 0; i < cfg.layers(); i++) {
      String p = "model.layers." + i + ".";
      String a = p + "self_attn.";
      String m = p + "mlp.";
      boolean qkvB = cfg.attentionBias();
      boolean mlpB = cfg.mlpBias();
      layers.add(new Layer(declare(p + "input_layernorm.weight", h),
          declare(a + "q_proj.weight", cfg.queryWidth(), h),
          qkvB ? declare(a + "q_proj.bias", cfg.queryWidth()) : null,
          declare(a + "k_proj.weight", cfg.kvWidth(), h),
          qkvB ? declare(a + "k_proj.bias", cfg.kvWidth()) : null,
          declare(a + "v_proj.weight", cfg.kvWidth(), h),
          qkvB ? declare(a + "v_proj.bias", cfg.kvWidth()) : null,
          declare(a + "o_proj.weight", h, cfg.queryWidth()),
          cfg.outputBias() ? declare(a + "o_proj.bias", h) : null,
          declare(p + "post_attention_layernorm.weight", h),
          declare(m + "gate_proj.weight", cfg.intermediateSize(), h),
          mlpB ? declare(m + "gate_proj.bias", cfg.intermediateSize()) : null,
          declare(m + "up_proj.weight", cfg.intermediateSize(), h),
          mlpB ? declare(m + "up_proj.bias", cfg.intermediateSize()) : null,
          declare(m + "down_proj.weight", h, cfg.intermediateSize()),
          mlpB ? declare(m + "down_proj.bias", h) : null));
    }
    finalNorm = declare("model.norm.weight", h);
    switch (cfg.architecture().head()) {
      case LANGUAGE_MODEL -> {
        head = cfg.tieWordEmbeddings() ? null : declare("lm_head.weight", cfg.vocabSize(), h);
        headBias = null;
      }
      case SEQUENCE_CLASSIFICATION -> {
        head = declare("score.weight", 1, h);
        headBias = null;
      }
      case SAFE_RLHF_SCORE -> {
        head = declare("score_head.weight", 1, h);
        headBias = cfg.scoreBias() ? declare("score_head.bias", 1) : null;
      }
      default -> throw new IllegalStateException(cfg.architecture().name());
    }
  }

  private Parameter declare(String name, long... shape) {
    Parameter p = addParameter(Parameter.builder().setName(name)
        .setType(name.endsWith("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT).build());
    byName.put(name, p);
    shapes.put(name, new Shape(shape));
    return p;
  }

  public HfConfig config() {
    return cfg;
  }

  public DataType computeType() {
    return computeType;
  }

  /** Every parameter the checkpoint must provide, by its checkpoint name, with its shape. */
  public Map<String, Shape> parameterShapes() {
    return shapes;
  }

  /** The parameters by checkpoint name, in declaration order. */
  public Map<String, Parameter> parametersByName() {
    return byName;
  }

  /** Sets the parameter {@code name} to {@code array} (its shape checked by the caller). */
  public void set(String name, NDArray array) {
    byName.get(name).setArray(array);
  }

  /** The last hidden states {@code [b, t, hidden]} after the final RMSNorm. */
  public NDArray hidden(NDArray ids, NDArray attentionMask, KvCache cache, boolean training) {
    long b = ids.getShape().get(0);
    long t = ids.getShape().get(1);
    long past = cache == null ? 0 : cache.length();
    if (cfg.slidingWindow() > 0 && past + t > cfg.slidingWindow()) {
      throw new IllegalArgumentException("sequence of " + (past + t) + " tokens exceeds the "
          + "model's sliding_window of " + cfg.slidingWindow() + " (dualign attends in full and "
          + "refuses longer sequences)");
    }
    if (past + t > cfg.maxPositions()) {
      throw new IllegalArgumentException("sequence of " + (past + t) + " tokens exceeds the "
          + "model's max_position_embeddings " + cfg.maxPositions());
    }
    NDManager m = ids.getManager();
    AttentionMask am = AttentionMask.of(m, attentionMask, b, t, past, cfg.maxPositions() - 1);
    NDArray[] rope = rotary(m, am.positions());
    NDArray x = Embedding.embedding(ids, w(embed), SparseFormat.DENSE).singletonOrThrow()
        .reshape(b * t, cfg.hiddenSize());
    NDArray queryScale = Scalars.of(x, 1.0 / Math.sqrt(cfg.headDim()));
    for (int i = 0; i < layers.size(); i++) {
      x = layer(layers.get(i), x, b, t, am.bias(), rope, queryScale, cache, i, training);
    }
    if (cache != null) {
      cache.advance(t);
    }
    return rmsNorm(x, finalNorm, training).reshape(b, t, cfg.hiddenSize());
  }

  /** The head on hidden states {@code [..., hidden]}: logits {@code [..., vocab]} or scores. */
  public NDArray applyHead(NDArray hidden) {
    NDArray weight = head == null ? w(embed) : w(head);
    return Linear.linear(hidden, weight, headBias == null ? null : w(headBias))
        .singletonOrThrow();
  }

  private NDArray layer(Layer l, NDArray x, long b, long t, NDArray bias, NDArray[] rope,
      NDArray queryScale, KvCache cache, int index, boolean training) {
    NDArray h = rmsNorm(x, l.inNorm(), training);
    NDArray q = linear(h, l.q(), l.qBias());
    NDArray k = linear(h, l.k(), l.kBias());
    NDArray v = linear(h, l.v(), l.vBias());
    q = rotate(q.reshape(b, t, cfg.heads(), cfg.headDim()), rope);
    k = rotate(k.reshape(b, t, cfg.kvHeads(), cfg.headDim()), rope);
    NDArray att = GroupedAttention.attend(q, k, v, b, t, cfg.heads(), cfg.kvHeads(),
        cfg.headDim(), bias, queryScale, cache, index, training);
    NDArray x1 = x.add(linear(att, l.o(), l.oBias()));
    NDArray h2 = rmsNorm(x1, l.postNorm(), training);
    NDArray gate = linear(h2, l.gate(), l.gateBias());
    NDArray act = gate.mul(Activation.sigmoid(gate)); // SiLU
    NDArray f = linear(act.mul(linear(h2, l.up(), l.upBias())), l.down(), l.downBias());
    return x1.add(f);
  }

  /** cos and sin {@code [b, t, 1, headDim]} of the positions, as transformers' rotary embedding. */
  private NDArray[] rotary(NDManager m, NDArray positions) {
    Shape s = positions.getShape();
    NDArray inv = m.create(inverseFrequencies).reshape(1, 1, inverseFrequencies.length);
    NDArray freqs = positions.toType(DataType.FLOAT32, false).reshape(s.get(0), s.get(1), 1)
        .mul(inv);
    NDArray emb = freqs.concat(freqs, -1).reshape(s.get(0), s.get(1), 1, cfg.headDim());
    return new NDArray[] {emb.cos().toType(computeType, false),
        emb.sin().toType(computeType, false)};
  }

  /** x·cos + rotate_half(x)·sin over the last axis of {@code x [b, t, heads, headDim]}. */
  private NDArray rotate(NDArray x, NDArray[] rope) {
    long half = cfg.headDim() / 2;
    NDArray x1 = x.get(new NDIndex().addAllDim(3).addSliceDim(0, half));
    NDArray x2 = x.get(new NDIndex().addAllDim(3).addSliceDim(half, 2 * half));
    NDArray rotated = x2.neg().concat(x1, -1);
    return x.mul(rope[0]).add(rotated.mul(rope[1]));
  }

  /** RMSNorm as transformers computes it: in float32, then scaled by the weight. */
  private NDArray rmsNorm(NDArray x, Parameter weight, boolean training) {
    NDArray x32 = x.toType(DataType.FLOAT32, false);
    NDArray ms = x32.square().mean(new int[] {-1}, true).add(cfg.rmsNormEps());
    NDArray normed = x32.div(ms.sqrt()); // out of place: x32 may be x itself
    return normed.toType(computeType, false).mul(w(weight));
  }

  private NDArray linear(NDArray x, Parameter weight, Parameter bias) {
    return Linear.linear(x, w(weight), bias == null ? null : w(bias)).singletonOrThrow();
  }

  /** A parameter's array in the computation's type. */
  private NDArray w(Parameter p) {
    NDArray a = p.getArray();
    return a.getDataType() == computeType ? a : a.toType(computeType, false);
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
      PairList<String, Object> params) {
    return new NDList(applyHead(hidden(inputs.get(0), inputs.get(1), null, training)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), in.get(1),
        cfg.architecture().isCausalLm() ? cfg.vocabSize() : 1)};
  }
}
