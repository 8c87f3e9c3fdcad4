package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A {@code Generator} samples responses from a {@link CausalLm} for a batch of prompts at once.
 * Prompts are left-padded; each row has its own random stream seeded by its own seed, so a row's
 * text depends on its prompt and seed only, not on the other rows of the batch. With the KV cache
 * the prompt is encoded once and each step feeds one token; without it every step recomputes the
 * whole sequence (the path for models without a cache, and the reference the cache is tested
 * against).
 */
public final class Generator {
  private final CausalLm lm;
  private final long[] stopIds;
  private final long padId;
  private final Function<long[], String> decoder;

  /**
   * @param decoder turns token ids into text (needed for stop strings and {@link
   *     Generation#text()}); may be null when no stop strings are used
   */
  public Generator(CausalLm lm, long eosId, long padId, Function<long[], String> decoder) {
    this(lm, new long[] {eosId}, padId, decoder);
  }

  /**
   * @param stopIds the token ids that end a response (the end-of-sequence token and, for some
   *     Hugging Face models, others such as an end-of-turn token); none is part of the response
   */
  public Generator(CausalLm lm, long[] stopIds, long padId, Function<long[], String> decoder) {
    this.lm = lm;
    this.stopIds = stopIds.clone();
    this.padId = padId;
    this.decoder = decoder;
  }

  /** Generates one response per prompt, row {@code i} sampled with {@code seeds[i]}. */
  public List<Generation> generate(List<long[]> prompts, long[] seeds, SamplingParams p,
      boolean useCache) {
    return generate(prompts, seeds, p, useCache, 0);
  }

  /**
   * As {@link #generate(List, long[], SamplingParams, boolean)}, with prompts left-padded to at
   * least {@code padTo} tokens. Callers that need bit-identical rows whatever the batch (a
   * retried or repartitioned Spark task) pad every row of a length bucket to the same width: a
   * row's floating-point results depend on the padded width, not on the other rows.
   */
  public List<Generation> generate(List<long[]> prompts, long[] seeds, SamplingParams p,
      boolean useCache, int padTo) {
    int b = prompts.size();
    if (seeds.length != b) {
      throw new IllegalArgumentException(b + " prompts but " + seeds.length + " seeds");
    }
    if (!p.stopStrings().isEmpty() && decoder == null) {
      throw new IllegalArgumentException("stop strings " + p.stopStrings() + " need a decoder");
    }
    if (useCache && !lm.supportsKvCache()) {
      throw new IllegalArgumentException(lm.getClass().getSimpleName() + " has no KV cache");
    }
    int promptLen = Math.max(0, padTo);
    for (long[] pr : prompts) {
      if (pr.length == 0) {
        throw new IllegalArgumentException("empty prompt in row " + prompts.indexOf(pr));
      }
      promptLen = Math.max(promptLen, pr.length);
    }
    int total = promptLen + p.maxNewTokens();
    if (total > lm.contextLength()) {
      throw new IllegalArgumentException("longest prompt (" + promptLen + " tokens) + maxNewTokens ("
          + p.maxNewTokens() + ") exceeds the model's context length " + lm.contextLength());
    }
    long[] ids = new long[b * total];
    int[] mask = new int[b * total];
    Arrays.fill(ids, padId);
    for (int r = 0; r < b; r++) {
      long[] pr = prompts.get(r);
      int start = r * total + promptLen - pr.length;
      System.arraycopy(pr, 0, ids, start, pr.length);
      Arrays.fill(mask, start, r * total + promptLen, 1);
    }
    SplittableRandom[] rngs = new SplittableRandom[b];
    List<List<Long>> out = new ArrayList<>();
    Generation.Reason[] reasons = new Generation.Reason[b];
    String[] texts = new String[b];
    for (int r = 0; r < b; r++) {
      rngs[r] = new SplittableRandom(seeds[r]);
      out.add(new ArrayList<>());
    }
    int vocab = lm.vocabSize();
    int live = b;
    // Without left-padded prompts the model gets no mask. (A finished row feeds padding that then
    // counts as real tokens, but only to that row, whose output is no longer read.)
    boolean padded = false;
    for (long[] pr : prompts) {
      padded |= pr.length < promptLen;
    }
    try (NDManager gen = lm.manager().newSubManager()) {
      KvCache cache = useCache ? lm.newCache(gen, total) : null;
      for (int step = 0; step < p.maxNewTokens() && live > 0; step++) {
        int len = promptLen + step;
        float[] probs; // softmax(logits / temperature) of each row; logits when greedy
        try (NDManager sm = gen.newSubManager()) {
          NDArray last;
          if (useCache) {
            int from = step == 0 ? 0 : len - 1;
            NDArray in = sm.create(slice(ids, b, total, from, len), new Shape(b, len - from));
            last = lm.lastLogits(in, maskOf(sm, mask, b, total, len, padded), cache);
          } else {
            NDArray in = sm.create(slice(ids, b, total, 0, len), new Shape(b, len));
            last = lm.lastLogits(in, maskOf(sm, mask, b, total, len, padded), null);
          }
          // The softmax runs batched on the engine: one vectorised op instead of vocab exp()s per row.
          probs = (p.temperature() == 0 ? last
              : (p.temperature() == 1 ? last : last.div(p.temperature())).softmax(-1))
              .toFloatArray();
        }
        for (int r = 0; r < b; r++) {
          if (reasons[r] != null) {
            continue; // finished rows feed padding, masked out
          }
          long tok = Sampler.sampleProbs(probs, r * vocab, vocab, p, rngs[r]);
          if (isStop(tok)) {
            reasons[r] = Generation.Reason.EOS;
            live--;
            continue;
          }
          out.get(r).add(tok);
          ids[r * total + len] = tok;
          mask[r * total + len] = 1;
          if (!p.stopStrings().isEmpty()) {
            String text = decoder.apply(toArray(out.get(r)));
            int cut = firstStop(text, p.stopStrings());
            if (cut >= 0) {
              texts[r] = text.substring(0, cut);
              reasons[r] = Generation.Reason.STOP;
              live--;
            }
          }
        }
      }
    }
    List<Generation> result = new ArrayList<>(b);
    for (int r = 0; r < b; r++) {
      long[] toks = toArray(out.get(r));
      Generation.Reason reason = reasons[r] == null ? Generation.Reason.LENGTH : reasons[r];
      String text = texts[r] != null ? texts[r] : decoder == null ? null : decoder.apply(toks);
      result.add(new Generation(toks, text, reason));
    }
    return result;
  }

  private boolean isStop(long tok) {
    for (long s : stopIds) {
      if (s == tok) {
        return true;
      }
    }
    return false;
  }

  /** The attention mask of the first {@code len} columns, or null when no prompt is padded. */
  private static NDArray maskOf(NDManager sm, int[] mask, int b, int total, int len,
      boolean padded) {
    return padded ? sm.create(slice(mask, b, total, 0, len), new Shape(b, len)) : null;
  }

  private static int firstStop(String text, List<String> stops) {
    int best = -1;
    for (String s : stops) {
      int i = text.indexOf(s);
      if (i >= 0 && (best < 0 || i < best)) {
        best = i;
      }
    }
    return best;
  }

  private static long[] toArray(List<Long> l) {
    long[] a = new long[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  private static long[] slice(long[] a, int rows, int cols, int from, int to) {
    long[] s = new long[rows * (to - from)];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(a, r * cols + from, s, r * (to - from), to - from);
    }
    return s;
  }

  private static int[] slice(int[] a, int rows, int cols, int from, int to) {
    int[] s = new int[rows * (to - from)];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(a, r * cols + from, s, r * (to - from), to - from);
    }
    return s;
  }
}
