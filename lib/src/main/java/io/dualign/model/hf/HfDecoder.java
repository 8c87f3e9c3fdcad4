package io.dualign.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.dualign.model.AttentionMask;
import io.dualign.model.GroupedAttention;
import io.dualign.model.KvCache;
import io.dualign.model.Scalars;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An {@code HfDecoder} is the Llama-family decoder as a DJL block, with the parameter names of
 * the Hugging Face checkpoint: token embedding, {@code layers} pre-norm layers (RMSNorm, rotary
 * grouped-query attention with optional q/k/v biases, RMSNorm, SwiGLU MLP), a final RMSNorm and
 * the head of its {@link HfArchitecture} (language-model logits, tied or not, or one score per
 * position). Attention and the mask are the project's shared {@link GroupedAttention} and
 * {@link AttentionMask}. Weights may be stored in a narrower type than the computation: each is
 * cast to {@code computeType} where it is used.
 *
 * <p>A LoRA adapter ({@link #attachLora}) adds {@code scale · B·A·dropout(x)} to the projections
 * it targets, as PEFT's {@code lora.Linear} does; its float32 {@code A} and {@code B} are
 * separate from the checkpoint's parameters, which it leaves untouched, and it can be switched
 * off ({@link #setAdapterEnabled}) to compute the base model.
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
  private final Map<Parameter, Adapter> adapters = new IdentityHashMap<>();
  private final Map<String, Parameter> loraByName = new LinkedHashMap<>();
  private LoraSpec lora;
  private NDArray loraScale;
  private volatile boolean adapterEnabled = true;
  private List<Fused> fused;

  /** The LoRA adapter of one projection: {@code A [r, in]} and {@code B [out, r]}. */
  private record Adapter(String module, Parameter a, Parameter b) {}

  /**
   * One layer's projections that read the same input, concatenated along the output axis for
   * inference: {@code [q; k; v]} and {@code [gate; up]} (biases likewise, or null).
   */
  private record Fused(NDArray qkv, NDArray qkvBias, NDArray gateUp, NDArray gateUpBias) {}

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

  /**
   * Attaches a LoRA adapter of shape {@code spec} to every projection it targets, initialised as
   * PEFT does: {@code A} uniform in ±1/√in (Kaiming-uniform with a = √5), seeded by
   * {@code seed}, and {@code B} zero, so the model computes exactly the base model until
   * {@code B} is trained. Its arrays are float32 and belong to {@code manager}.
   *
   * @throws IllegalStateException when an adapter is already attached
   */
  public void attachLora(LoraSpec spec, NDManager manager, long seed) {
    if (lora != null || fused != null) {
      throw new IllegalStateException(lora != null ? "the decoder already carries a LoRA "
          + "adapter" : "the decoder's projections are fused for inference");
    }
    SplittableRandom rng = new SplittableRandom(seed);
    for (Map.Entry<String, Shape> e : shapes.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("model.layers.") || !name.endsWith(".weight")) {
        continue;
      }
      String module = name.substring(0, name.length() - ".weight".length());
      if (!spec.targetModules().contains(module.substring(module.lastIndexOf('.') + 1))) {
        continue;
      }
      long out = e.getValue().get(0);
      long in = e.getValue().get(1);
      float[] a = new float[Math.toIntExact(spec.r() * in)];
      double bound = 1 / Math.sqrt(in);
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
      }
      Parameter pa = loraParameter(module + ".lora_A.weight",
          manager.create(a, new Shape(spec.r(), in)));
      Parameter pb = loraParameter(module + ".lora_B.weight",
          manager.zeros(new Shape(out, spec.r()), DataType.FLOAT32));
      adapters.put(byName.get(name), new Adapter(module, pa, pb));
    }
    lora = spec;
    loraScale = manager.create((float) spec.scale());
  }

  private Parameter loraParameter(String name, NDArray array) {
    Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
    p.setArray(array);
    loraByName.put(name, p);
    return p;
  }

  /** The attached adapter's shape, or null. */
  public LoraSpec lora() {
    return lora;
  }

  /**
   * The adapter's parameters by name ({@code model.layers.0.self_attn.q_proj.lora_A.weight}, ...;
   * PEFT's file prefixes them with {@code base_model.model.}), in layer order; empty without one.
   */
  public Map<String, Parameter> loraParametersByName() {
    return loraByName;
  }

  /**
   * Copies {@code array} into the adapter's parameter {@code name} (of the attached shape).
   *
   * @throws IllegalArgumentException naming the parameter when it is unknown or of another shape
   */
  public void setLora(String name, NDArray array) {
    Parameter p = loraByName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("the attached LoRA adapter has no parameter " + name);
    }
    if (!p.getArray().getShape().equals(array.getShape())) {
      throw new IllegalArgumentException("LoRA parameter " + name + " is " + array.getShape()
          + ", the attached adapter's is " + p.getArray().getShape());
    }
    p.getArray().set(array.toType(DataType.FLOAT32, false).toFloatArray()); // adapters are small
  }

  /** Switches the adapter on (the trained model) or off (the base model, e.g. DPO's reference). */
  public void setAdapterEnabled(boolean enabled) {
    adapterEnabled = enabled;
  }

  /**
   * The checkpoint's tensors with the adapter merged in: {@code W + scale · B·A} for every
   * adapted projection (computed in float32, then in {@code W}'s type, as arrays of
   * {@code manager}); every other tensor is the parameter's own array. The decoder is unchanged.
   */
  public Map<String, NDArray> mergedWeights(NDManager manager) {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : byName.entrySet()) {
      NDArray w = e.getValue().getArray();
      Adapter ad = adapters.get(e.getValue());
      if (ad == null) {
        out.put(e.getKey(), w);
        continue;
      }
      try (NDManager scratch = manager.newSubManager()) {
        NDArray ba = ad.b().getArray().matMul(ad.a().getArray());
        ba.attach(scratch);
        NDArray scaled = ba.mul(loraScale);
        scaled.attach(scratch);
        NDArray w32 = w.toType(DataType.FLOAT32, true);
        w32.attach(scratch);
        NDArray sum = w32.add(scaled);
        sum.attach(scratch);
        NDArray merged = sum.toType(w.getDataType(), true);
        merged.attach(manager);
        out.put(e.getKey(), merged);
      }
    }
    return out;
  }

  /**
   * Stores each layer's q, k and v projections as one {@code [q; k; v]} matrix and its gate and
   * up projections as one {@code [gate; up]}, so inference computes each group with one matrix
   * product. The parameters become views of the concatenations: the weights take no more memory,
   * save and merge as before, and the decoder can no longer be trained (a forward with gradients
   * is refused). A decoder that only scores or generates is loaded this way.
   *
   * @throws IllegalStateException when a LoRA adapter is attached or the weights are fused
   */
  public void fuseProjectionsForInference() {
    if (lora != null || fused != null) {
      throw new IllegalStateException(lora != null ? "a decoder with a LoRA adapter keeps its "
          + "projections apart" : "the decoder's projections are already fused");
    }
    List<Fused> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      Parameter[] qkv = {l.q(), l.k(), l.v()};
      Parameter[] qkvBias = {l.qBias(), l.kBias(), l.vBias()};
      Parameter[] gateUp = {l.gate(), l.up()};
      Parameter[] gateUpBias = {l.gateBias(), l.upBias()};
      out.add(new Fused(fuse(qkv), fuse(qkvBias), fuse(gateUp), fuse(gateUpBias)));
      layers.set(i, new Layer(l.inNorm(), qkv[0], qkvBias[0], qkv[1], qkvBias[1], qkv[2],
          qkvBias[2], l.o(), l.oBias(), l.postNorm(), gateUp[0], gateUpBias[0], gateUp[1],
          gateUpBias[1], l.down(), l.downBias()));
    }
    fused = out;
  }

  /**
   * Concatenates the parameters' arrays along axis 0 and replaces each parameter (here, in the
   * name map and in the block) by one of the same name whose array is a view of its rows; null
   * when the parameters are absent (no biases).
   */
  private NDArray fuse(Parameter[] parts) {
    if (parts[0] == null) {
      return null;
    }
    NDList arrays = new NDList();
    for (Parameter p : parts) {
      arrays.add(p.getArray());
    }
    NDManager owner = parts[0].getArray().getManager();
    NDArray all = NDArrays.concat(arrays, 0);
    all.attach(owner);
    long start = 0;
    for (int i = 0; i < parts.length; i++) {
      Parameter old = parts[i];
      long rows = old.getArray().getShape().get(0);
      NDArray view = all.get(new NDIndex().addSliceDim(start, start + rows));
      view.attach(owner);
      Parameter p = Parameter.builder().setName(old.getName()).setType(old.getType()).build();
      p.setArray(view);
      byName.put(old.getName(), p);
      parameters.put(old.getName(), p);
      old.close();
      parts[i] = p;
      start += rows;
    }
    return all;
  }

  /** The last hidden states {@code [b, t, hidden]} after the final RMSNorm. */
  public NDArray hidden(NDArray ids, NDArray attentionMask, KvCache cache, boolean training) {
    return hidden(ids, attentionMask, cache, training, null)
        .reshape(ids.getShape().get(0), ids.getShape().get(1), cfg.hiddenSize());
  }

  /**
   * The last hidden states after the final RMSNorm at the positions {@code rows} only, as
   * {@code [rows, hidden]}: {@code rows} are int64 indices into the {@code b·t} positions in row
   * order ({@code i·t + j}), or null for all of them. The last layer attends from every position
   * (its keys and values feed the cache) but runs its output projection and MLP on {@code rows}
   * alone, so a score at the last token or the next-token logits of a prefill skip that work for
   * the other positions.
   */
  public NDArray hidden(NDArray ids, NDArray attentionMask, KvCache cache, boolean training,
      NDArray rows) {
    long b = ids.getShape().get(0);
    long t = ids.getShape().get(1);
    long past = cache == null ? 0 : cache.length();
    if (training && fused != null) {
      throw new IllegalStateException("the decoder's projections are fused for inference; "
          + "load the model trainable to train it");
    }
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
    int last = layers.size() - 1;
    for (int i = 0; i < layers.size(); i++) {
      x = layer(layers.get(i), x, b, t, am.bias(), rope, queryScale, cache, i, training,
          i == last ? rows : null);
    }
    if (cache != null) {
      cache.advance(t);
    }
    return rmsNorm(x, finalNorm, training);
  }

  /** The head on hidden states {@code [..., hidden]}: logits {@code [..., vocab]} or scores. */
  public NDArray applyHead(NDArray hidden) {
    NDArray weight = head == null ? w(embed) : w(head);
    return Linear.linear(hidden, weight, headBias == null ? null : w(headBias))
        .singletonOrThrow();
  }

  private NDArray layer(Layer l, NDArray x, long b, long t, NDArray bias, NDArray[] rope,
      NDArray queryScale, KvCache cache, int index, boolean training, NDArray rows) {
    Fused f = fused == null || (adapterEnabled && !adapters.isEmpty()) ? null : fused.get(index);
    NDArray h = rmsNorm(x, l.inNorm(), training);
    NDArray q;
    NDArray k;
    NDArray v;
    if (f == null) {
      q = linear(h, l.q(), l.qBias(), training);
      k = linear(h, l.k(), l.kBias(), training);
      v = linear(h, l.v(), l.vBias(), training);
    } else {
      NDList qkv = Linear.linear(h, cast(f.qkv()), f.qkvBias() == null ? null
          : cast(f.qkvBias())).singletonOrThrow().split(new long[] {cfg.queryWidth(),
          cfg.queryWidth() + cfg.kvWidth()}, 1);
      q = qkv.get(0);
      k = qkv.get(1);
      v = qkv.get(2);
    }
    q = rotate(q.reshape(b, t, cfg.heads(), cfg.headDim()), rope);
    k = rotate(k.reshape(b, t, cfg.kvHeads(), cfg.headDim()), rope);
    NDArray att = GroupedAttention.attend(q, k, v, b, t, cfg.heads(), cfg.kvHeads(),
        cfg.headDim(), bias, queryScale, cache, index, training);
    if (rows != null) {
      x = x.get(rows);
      att = att.get(rows);
    }
    NDArray x1 = x.add(linear(att, l.o(), l.oBias(), training));
    NDArray h2 = rmsNorm(x1, l.postNorm(), training);
    NDArray gate;
    NDArray up;
    if (f == null) {
      gate = linear(h2, l.gate(), l.gateBias(), training);
      up = linear(h2, l.up(), l.upBias(), training);
    } else {
      NDList gu = Linear.linear(h2, cast(f.gateUp()), f.gateUpBias() == null ? null
          : cast(f.gateUpBias())).singletonOrThrow().split(2, 1);
      gate = gu.get(0);
      up = gu.get(1);
    }
    if (training) {
      NDArray act = gate.mul(Activation.sigmoid(gate)); // SiLU
      return x1.add(linear(act.mul(up), l.down(), l.downBias(), training));
    }
    // Without gradients the SiLU and the residual are computed in place: fewer full-size arrays.
    NDArray act = Activation.sigmoid(gate).muli(gate).muli(up);
    return x1.addi(linear(act, l.down(), l.downBias(), false));
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

  /** {@code x·Wᵀ + b}, plus the adapter's {@code scale · dropout(x)·Aᵀ·Bᵀ} when it is on. */
  private NDArray linear(NDArray x, Parameter weight, Parameter bias, boolean training) {
    NDArray y = Linear.linear(x, w(weight), bias == null ? null : w(bias)).singletonOrThrow();
    Adapter ad = adapterEnabled ? adapters.get(weight) : null;
    if (ad == null) {
      return y;
    }
    NDArray in = training && lora.dropout() > 0
        ? Dropout.dropout(x, (float) lora.dropout(), true).singletonOrThrow() : x;
    NDArray low = Linear.linear(in, w(ad.a()), null).singletonOrThrow();
    NDArray update = Linear.linear(low, w(ad.b()), null).singletonOrThrow();
    NDArray scale = loraScale.getDataType() == update.getDataType() ? loraScale
        : loraScale.toType(update.getDataType(), false);
    return y.add(update.mul(scale));
  }

  /** A parameter's array in the computation's type. */
  private NDArray w(Parameter p) {
    return cast(p.getArray());
  }

  private NDArray cast(NDArray a) {
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
