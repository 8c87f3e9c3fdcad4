package io.dualign.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code ModelArchitecture} is the shape of a built-in decoder-only transformer: vocabulary,
 * context length, width, depth, query heads, key/value heads and feed-forward width, plus the head
 * on top (a language model head or a scalar score head). {@code kvHeads} below {@code heads} is
 * grouped-query attention: each key/value head serves {@code heads / kvHeads} query heads (1 =
 * multi-query attention), which shrinks the KV cache a generation step reads by that factor;
 * {@code kvHeads == heads} is standard multi-head attention. Two checkpoints are interchangeable
 * exactly when their architectures are equal.
 */
public record ModelArchitecture(Head head, int vocabSize, int contextLength, int dModel,
    int layers, int heads, int ffnHidden, int kvHeads) {

  /** What sits on the backbone's last hidden states. */
  public enum Head {
    /** Next-token logits over the vocabulary (a policy). */
    LANGUAGE_MODEL,
    /** One scalar read at the last non-pad token (a reward or cost model). */
    SCORE
  }

  public ModelArchitecture {
    check(vocabSize >= 2, "vocabSize", vocabSize);
    check(contextLength >= 2, "contextLength", contextLength);
    check(dModel >= 1, "dModel", dModel);
    check(layers >= 1, "layers", layers);
    check(heads >= 1, "heads", heads);
    check(ffnHidden >= 1, "ffnHidden", ffnHidden);
    check(kvHeads >= 1, "kvHeads", kvHeads);
    if (dModel % heads != 0) {
      throw new IllegalArgumentException("dModel " + dModel + " is not a multiple of heads " + heads);
    }
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException("heads " + heads + " is not a multiple of kvHeads "
          + kvHeads);
    }
  }

  /** Standard multi-head attention: as many key/value heads as query heads. */
  public ModelArchitecture(Head head, int vocabSize, int contextLength, int dModel, int layers,
      int heads, int ffnHidden) {
    this(head, vocabSize, contextLength, dModel, layers, heads, ffnHidden, heads);
  }

  private static void check(boolean ok, String name, int value) {
    if (!ok) {
      throw new IllegalArgumentException("model " + name + " out of range: " + value);
    }
  }

  /** The same backbone with another head. */
  public ModelArchitecture withHead(Head h) {
    return new ModelArchitecture(h, vocabSize, contextLength, dModel, layers, heads, ffnHidden,
        kvHeads);
  }

  public int headDim() {
    return dModel / heads;
  }

  /** Width of the keys (and of the values) of one token in one layer: kvHeads x headDim. */
  public int kvWidth() {
    return kvHeads * headDim();
  }

  /**
   * The scalar parameters of the model: token and position embeddings, per layer two LayerNorms
   * (scale and shift), the fused q/k/v and output projections and the two feed-forward layers
   * (weights and biases), the final LayerNorm and the head (vocabulary logits without a bias, or
   * one score with one).
   */
  public long parameterCount() {
    long d = dModel;
    long qkv = d + 2L * kvWidth();
    long layer = 4 * d + d * qkv + qkv + d * d + d + d * ffnHidden + ffnHidden + ffnHidden * d + d;
    long out = head == Head.LANGUAGE_MODEL ? d * vocabSize : d + 1;
    return (long) vocabSize * d + (long) contextLength * d + layers * layer + 2 * d + out;
  }

  /** The sizes that decide the model's memory ({@link MemoryPlan}). */
  public MemoryPlan.Shape memoryShape() {
    return new MemoryPlan.Shape(parameterCount(), layers, dModel, ffnHidden, heads, kvWidth(),
        vocabSize, MemoryPlan.Block.BUILT_IN);
  }

  /**
   * Multiply-adds per token of one forward pass through the layers' weight matrices (queries,
   * keys and values, output projection, the two feed-forward ones); 2 FLOPs each.
   */
  public long backboneMacsPerToken() {
    return layers * ((long) dModel * (2L * dModel + 2L * kvWidth()) + 2L * dModel * ffnHidden);
  }

  /** Multiply-adds of the head for one position (vocabulary logits or one score). */
  public long headMacsPerToken() {
    return head == Head.LANGUAGE_MODEL ? (long) dModel * vocabSize : dModel;
  }

  /**
   * Multiply-adds of attention (scores q·kᵀ and their product with the values, all heads and
   * layers) for {@code queries} positions against {@code keys} keys each.
   */
  public long attentionMacs(long queries, long keys) {
    return 2L * layers * queries * keys * dModel;
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("head", head.name());
    m.put("vocabSize", vocabSize);
    m.put("contextLength", contextLength);
    m.put("dModel", dModel);
    m.put("layers", layers);
    m.put("heads", heads);
    m.put("ffnHidden", ffnHidden);
    m.put("kvHeads", kvHeads);
    return m;
  }

  /**
   * The architecture of a {@link #toMap()}; a map without {@code kvHeads} (written before
   * grouped-query attention existed) is multi-head attention.
   */
  public static ModelArchitecture fromMap(Map<String, Object> m) {
    try {
      int heads = num(m, "heads");
      return new ModelArchitecture(Head.valueOf((String) m.get("head")), num(m, "vocabSize"),
          num(m, "contextLength"), num(m, "dModel"), num(m, "layers"), heads,
          num(m, "ffnHidden"), m.containsKey("kvHeads") ? num(m, "kvHeads") : heads);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a model architecture: " + m + " (" + e.getMessage()
          + ")", e);
    }
  }

  private static int num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("missing " + key);
    }
    return n.intValue();
  }

  /** A one-line description for messages. */
  public String describe() {
    return head + "(vocab=" + vocabSize + ", context=" + contextLength + ", d=" + dModel
        + ", layers=" + layers + ", heads=" + heads + ", kvHeads=" + kvHeads + ", ffn=" + ffnHidden
        + ")";
  }
}
