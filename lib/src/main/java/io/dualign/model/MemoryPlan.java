package io.dualign.model;

import ai.djl.nn.Parameter;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A {@code MemoryPlan} is the estimated peak memory of one stage's model work, made before
 * anything is loaded: the weights, the trainable parameters' float32 master copies (when the
 * weights are narrower), their gradients and AdamW moments, the activations a backward pass keeps
 * for {@code rows × tokens}, and a rollout's KV cache. Pure arithmetic on the model's shape and
 * on the tensors its {@link Block} keeps for the backward pass; those counts are read off the
 * operations dualign runs and checked against the peak resident memory of real DPO steps on the
 * CPU (the built-in model and SmolLM2-135M, full fine-tuning and LoRA, within 25%:
 * {@code MemoryPlanMeasuredTest}).
 */
public final class MemoryPlan {
  private MemoryPlan() {}

  /**
   * The tensors one decoder layer keeps per token for its backward pass, by width (hidden,
   * key/value and intermediate sized), the attention-score-sized tensors per head and key, and
   * the float32 vocabulary-sized tensors per position the head reads.
   */
  public enum Block {
    /**
     * Llama-family layers as {@code HfDecoder} runs them: RMSNorm in steps, separate q/k/v
     * projections, rotary embedding of q and k by halves, keys and values repeated to the query
     * heads, scores scaled, masked and soft-maxed, a SwiGLU MLP (gate, its sigmoid, the SiLU, up,
     * their product and the gradients' buffers).
     */
    LLAMA(24, 8, 8, 4, 5),
    /**
     * The built-in {@code TransformerLayer}: LayerNorm, one fused q/k/v projection, learned
     * positions, a GELU MLP.
     */
    BUILT_IN(18, 0, 4, 4, 5);

    final int hiddenSized;
    final int kvSized;
    final int intermediateSized;
    final int scoreSized;
    final int vocabSized;

    Block(int hiddenSized, int kvSized, int intermediateSized, int scoreSized, int vocabSized) {
      this.hiddenSized = hiddenSized;
      this.kvSized = kvSized;
      this.intermediateSized = intermediateSized;
      this.scoreSized = scoreSized;
      this.vocabSized = vocabSized;
    }
  }

  /** The sizes of a decoder that decide its memory. */
  public record Shape(long parameters, int layers, int hidden, int intermediate, int heads,
      int kvWidth, int vocab, Block block) {
    /** The scalar parameters of a LoRA adapter of rank {@code r} on {@code targets}. */
    public long loraParameters(int r, List<String> targets) {
      long perLayer = 0;
      for (String t : Set.copyOf(targets)) {
        long[] io = switch (t) {
          case "q_proj", "o_proj" -> new long[] {hidden, hidden};
          case "k_proj", "v_proj" -> new long[] {hidden, kvWidth};
          case "gate_proj", "up_proj" -> new long[] {hidden, intermediate};
          case "down_proj" -> new long[] {intermediate, hidden};
          default -> throw new IllegalArgumentException("unknown LoRA target " + t);
        };
        perLayer += (long) r * (io[0] + io[1]);
      }
      return perLayer * layers;
    }
  }

  /** The parts of an estimate, in bytes. */
  public record Estimate(long weights, long masterCopies, long gradients, long optimizer,
      long activations, long kvCache) {
    public long total() {
      return weights + masterCopies + gradients + optimizer + activations + kvCache;
    }

    /** "~19.2 GB (weights 13.5 GB, ...)", the non-zero parts named. */
    public String describe() {
      StringBuilder b = new StringBuilder("~" + gb(total()) + " (weights " + gb(weights));
      part(b, "float32 trainable copies", masterCopies);
      part(b, "gradients", gradients);
      part(b, "AdamW moments", optimizer);
      part(b, "activations", activations);
      part(b, "KV cache", kvCache);
      return b.append(')').toString();
    }

    private static void part(StringBuilder b, String name, long bytes) {
      if (bytes > 0) {
        b.append(", ").append(name).append(' ').append(gb(bytes));
      }
    }
  }

  /**
   * A training step: {@code rows} sequences of {@code tokens} tokens through the decoder with the
   * backward pass, the vocabulary head on {@code headTokens} positions in all (0 for a score
   * model), {@code trainable} parameters updated by AdamW (all of them in full fine-tuning, an
   * adapter's otherwise), the weights held in {@code weightBytes} bytes per parameter and the
   * computation in {@code computeBytes}.
   */
  public static Estimate training(Shape s, int weightBytes, int computeBytes, long trainable,
      long rows, long tokens, long headTokens) {
    long weights = s.parameters() * weightBytes;
    // Full fine-tuning of narrow weights keeps float32 master copies; an adapter is float32
    // and separate from the weights; full fine-tuning in float32 trains the weights themselves.
    boolean full = trainable >= s.parameters();
    long master = full && weightBytes == 4 ? 0 : trainable * 4;
    long gradients = trainable * 4;
    long optimizer = trainable * 8;
    long n = rows * tokens;
    Block k = s.block();
    long perLayer = n * ((long) k.hiddenSized * s.hidden() + (long) k.kvSized * s.kvWidth()
        + (long) k.intermediateSized * s.intermediate()) * computeBytes
        + rows * s.heads() * tokens * tokens * k.scoreSized * (long) computeBytes;
    long head = headTokens * s.vocab() * 4L * k.vocabSized; // float32 logits and log-softmax
    long embed = n * s.hidden() * 4L * 2;
    return new Estimate(weights, master, gradients, optimizer,
        perLayer * s.layers() + head + embed, 0);
  }

  /**
   * Batched generation: {@code batch} rows of {@code promptTokens} prompt tokens and
   * {@code newTokens} new ones with the KV cache in {@code computeBytes} per value; the prefill's
   * activations (no backward pass) and the float32 logits of one step.
   */
  public static Estimate generation(Shape s, int weightBytes, int computeBytes, long batch,
      long promptTokens, long newTokens) {
    long weights = s.parameters() * weightBytes;
    long positions = promptTokens + newTokens;
    long kv = batch * positions * s.layers() * 2L * s.kvWidth() * computeBytes;
    long n = batch * promptTokens;
    long prefill = n * (3L * s.hidden() + 2L * s.intermediate()) * computeBytes
        + batch * s.heads() * promptTokens * positions * 2L * computeBytes;
    long logits = batch * s.vocab() * 4L * 2;
    return new Estimate(weights, 0, 0, 0, prefill + logits, kv);
  }

  /**
   * The bytes {@code parameters} take as loaded: each one's element count times the bytes of its
   * data type (what a weight-only footprint, {@link Estimate#weights}, is for a loaded model).
   */
  public static long parameterBytes(Iterable<Parameter> parameters) {
    long n = 0;
    for (Parameter p : parameters) {
      n += p.getArray().size() * p.getArray().getDataType().getNumOfBytes();
    }
    return n;
  }

  /** Bytes as "12.3 GB" (10⁹ bytes) or "45.6 MB" below one GB. */
  public static String gb(long bytes) {
    return bytes >= 1_000_000_000L ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9)
        : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
