package io.dualign.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.dualign.model.CausalLm;
import io.dualign.model.KvCache;
import io.dualign.model.Scalars;
import io.dualign.model.ScoreModel;
import io.dualign.model.SequenceLogProbs;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code HfTransformer} is a loaded Hugging Face Llama-family model ({@link HfDecoder} and
 * the manager that owns its weights) as the project's {@link CausalLm} (with a KV cache) or
 * {@link ScoreModel} (the end score at the last real token, normalised as safe-rlhf does when
 * the checkpoint says so). Logits and scores leave it in float32 whatever the computation's type.
 */
public final class HfTransformer implements CausalLm, ScoreModel, AutoCloseable {
  private final HfDecoder net;
  private final NDManager manager;
  private final double normMean;
  private final double normVar;

  /**
   * @param normMean safe-rlhf's normaliser mean (ignored without a normaliser); likewise
   *     {@code normVar}
   */
  HfTransformer(HfDecoder net, NDManager manager, double normMean, double normVar) {
    this.net = net;
    this.manager = manager;
    this.normMean = normMean;
    this.normVar = normVar;
  }

  public HfDecoder decoder() {
    return net;
  }

  public HfConfig config() {
    return net.config();
  }

  /** Number of scalar parameters of the checkpoint (an adapter's not counted). */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : net.parametersByName().values()) {
      n += p.getArray().size();
    }
    return n;
  }

  /** Bytes the checkpoint's weights take as loaded. */
  public long weightBytes() {
    return io.dualign.model.MemoryPlan.parameterBytes(net.parametersByName().values());
  }

  @Override
  public NDManager manager() {
    return manager;
  }

  /**
   * Every parameter, or with a LoRA adapter attached only the adapter's (and a score model's
   * head, which LoRA trains with it as PEFT's {@code modules_to_save} does): the base weights
   * stay frozen.
   */
  @Override
  public List<Parameter> trainableParameters() {
    if (net.lora() == null) {
      return new ArrayList<>(net.parametersByName().values());
    }
    List<Parameter> out = new ArrayList<>(net.loraParametersByName().values());
    if (!net.config().architecture().isCausalLm()) {
      net.parametersByName().forEach((name, p) -> {
        if (name.startsWith("score")) {
          out.add(p);
        }
      });
    }
    return out;
  }

  /** The decoder's computation type: float16 for float16 weights on a GPU, else float32. */
  @Override
  public DataType computeType() {
    return net.computeType();
  }

  @Override
  public int vocabSize() {
    return net.config().vocabSize();
  }

  @Override
  public int contextLength() {
    HfConfig c = net.config();
    return c.slidingWindow() > 0 ? Math.min(c.slidingWindow(), c.maxPositions())
        : c.maxPositions();
  }

  @Override
  public NDArray logits(NDArray ids, NDArray attentionMask, boolean training) {
    requireLm();
    return f32(net.applyHead(net.hidden(ids, attentionMask, null, training)));
  }

  /** Runs the decoder on every position and the vocabulary head on the given ones only. */
  @Override
  public NDArray nextTokenLogProbs(NDArray ids, NDArray attentionMask, NDArray positions,
      NDArray next, boolean training) {
    requireLm();
    NDArray picked = net.hidden(ids, attentionMask, null, training, positions);
    return SequenceLogProbs.pick(f32(net.applyHead(picked)), next);
  }

  @Override
  public NDArray lastLogits(NDArray ids, NDArray attentionMask, KvCache cache) {
    requireLm();
    long b = ids.getShape().get(0);
    long t = ids.getShape().get(1);
    NDArray lastRows = t == 1 ? null
        : ids.getManager().arange(0, b, 1, DataType.INT64).mul(t).add(t - 1);
    return f32(net.applyHead(net.hidden(ids, attentionMask, cache, false, lastRows)));
  }

  @Override
  public boolean supportsKvCache() {
    return net.config().architecture().isCausalLm();
  }

  @Override
  public KvCache newCache(NDManager owner, int capacity) {
    return new KvCache(owner, net.config().layers(), capacity);
  }

  @Override
  public NDArray logits(NDArray ids, NDArray attentionMask, KvCache cache) {
    requireLm();
    return f32(net.applyHead(net.hidden(ids, attentionMask, cache, false)));
  }

  /**
   * The score at each row's last real token (the last column whose mask is 1): transformers'
   * sequence classifier and safe-rlhf's end score, then safe-rlhf's normaliser.
   */
  @Override
  public NDArray endScores(NDArray ids, NDArray attentionMask, boolean training) {
    if (net.config().architecture().isCausalLm()) {
      throw new IllegalStateException(net.config().architecture().hfName()
          + " is a causal language model, not a score model");
    }
    long b = ids.getShape().get(0);
    long t = ids.getShape().get(1);
    NDArray last;
    if (attentionMask == null) {
      last = ids.getManager().full(new ai.djl.ndarray.types.Shape(b), t - 1, DataType.INT64);
    } else {
      NDArray mask = attentionMask.toType(DataType.FLOAT32, false);
      last = mask.mul(ids.getManager().arange(1f, t + 1f)).max(new int[] {1}).sub(1)
          .toType(DataType.INT64, false);
    }
    NDArray rows = ids.getManager().arange(0, b, 1, DataType.INT64).mul(t).add(last);
    NDArray picked = net.hidden(ids, attentionMask, null, training, rows);
    NDArray scores = f32(net.applyHead(picked)).reshape(b);
    ScoreNormalizer n = net.config().normalizer();
    // A scale is a Scalars array: a Java number multiplied on the gradient path is unsafe.
    NDArray invStd = Scalars.of(scores, 1 / (Math.sqrt(normVar) + ScoreNormalizer.EPSILON));
    return switch (n) {
      case IDENTITY -> scores;
      case AFFINE -> scores.sub(normMean).mul(invStd);
      case SCALE -> scores.mul(invStd);
      case TRANSLATE -> scores.sub(normMean);
    };
  }

  /**
   * {@code a} in float32, on the gradient path: DJL 0.36's {@code toType} is a detached cast (no
   * gradient flows back through it), so a float16 head output (float16 computation on a GPU) is
   * promoted by a product with a float32 {@code [1]} one instead, which autograd follows.
   */
  private static NDArray f32(NDArray a) {
    return a.getDataType() == DataType.FLOAT32 ? a
        : a.mul(a.getManager().ones(new ai.djl.ndarray.types.Shape(1), DataType.FLOAT32));
  }

  private void requireLm() {
    if (!net.config().architecture().isCausalLm()) {
      throw new IllegalStateException(net.config().architecture().hfName()
          + " is a score model, not a causal language model");
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
