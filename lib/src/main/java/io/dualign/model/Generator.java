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
    int promptLen = checkedPromptLength(prompts, seeds, p, useCache, padTo);
    Batch batch = new Batch(prompts, seeds, promptLen, promptLen + p.maxNewTokens(), padId);
    int vocab = lm.vocabSize();
    try (NDManager gen = lm.manager().newSubManager()) {
      KvCache cache = useCache ? lm.newCache(gen, batch.total) : null;
      for (int step = 0; step < p.maxNewTokens() && batch.live > 0; step++) {
        float[] probs = nextProbs(gen, batch, step, p, useCache, cache);
        sampleNext(batch, probs, vocab, promptLen + step, p);
      }
    }
    return generations(batch);
  }

  /**
   * Checks the arguments of a call and returns the width prompts are left-padded to: the longest
   * prompt, or {@code padTo} if wider.
   */
  private int checkedPromptLength(List<long[]> prompts, long[] seeds, SamplingParams p,
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
    return promptLen;
  }

  /**
   * Runs the model on the sequences so far and returns softmax(logits / temperature) of each
   * row's next token, or the logits themselves when greedy.
   */
  private float[] nextProbs(NDManager gen, Batch batch, int step, SamplingParams p,
      boolean useCache, KvCache cache) {
    int b = batch.rows;
    int total = batch.total;
    int len = batch.promptLen + step;
    try (NDManager sm = gen.newSubManager()) {
      NDArray last;
      if (useCache) {
        int from = step == 0 ? 0 : len - 1;
        NDArray in = sm.create(slice(batch.ids, b, total, from, len), new Shape(b, len - from));
        last = lm.lastLogits(in, maskOf(sm, batch.mask, b, total, len, batch.padded), cache);
      } else {
        NDArray in = sm.create(slice(batch.ids, b, total, 0, len), new Shape(b, len));
        last = lm.lastLogits(in, maskOf(sm, batch.mask, b, total, len, batch.padded), null);
      }
      // The softmax runs batched on the engine: one vectorised op instead of vocab exp()s per row.
      return (p.temperature() == 0 ? last
          : (p.temperature() == 1 ? last : last.div(p.temperature())).softmax(-1))
          .toFloatArray();
    }
  }

  /** Samples each live row's token at column {@code len} and ends rows that hit a stop. */
  private void sampleNext(Batch batch, float[] probs, int vocab, int len, SamplingParams p) {
    int total = batch.total;
    for (int r = 0; r < batch.rows; r++) {
      if (batch.reasons[r] != null) {
        continue; // finished rows feed padding, masked out
      }
      long tok = Sampler.sampleProbs(probs, r * vocab, vocab, p, batch.rngs[r]);
      if (isStop(tok)) {
        batch.reasons[r] = Generation.Reason.EOS;
        batch.live--;
        continue;
      }
      batch.out.get(r).add(tok);
      batch.ids[r * total + len] = tok;
      batch.mask[r * total + len] = 1;
      if (!p.stopStrings().isEmpty()) {
        String text = decoder.apply(toArray(batch.out.get(r)));
        int cut = firstStop(text, p.stopStrings());
        if (cut >= 0) {
          batch.texts[r] = text.substring(0, cut);
          batch.reasons[r] = Generation.Reason.STOP;
          batch.live--;
        }
      }
    }
  }

  /** The finished batch as one generation per row; rows that never stopped ended by length. */
  private List<Generation> generations(Batch batch) {
    List<Generation> result = new ArrayList<>(batch.rows);
    for (int r = 0; r < batch.rows; r++) {
      long[] toks = toArray(batch.out.get(r));
      Generation.Reason reason =
          batch.reasons[r] == null ? Generation.Reason.LENGTH : batch.reasons[r];
      String text = batch.texts[r] != null ? batch.texts[r]
          : decoder == null ? null : decoder.apply(toks);
      result.add(new Generation(toks, text, reason));
    }
    return result;
  }

  /**
   * The decoding state of one batch: row-major token ids and attention mask of width {@code
   * total} (prompts left-padded to {@code promptLen}), each row's random stream, tokens so far and
   * why it ended, if it has.
   */
  private static final class Batch {
    final int rows;
    final int promptLen;
    final int total;
    final long[] ids;
    final int[] mask;
    final SplittableRandom[] rngs;
    final List<List<Long>> out = new ArrayList<>();
    final Generation.Reason[] reasons;
    final String[] texts;
    /**
     * Whether any prompt is padded. Without left-padded prompts the model gets no mask. (A
     * finished row feeds padding that then counts as real tokens, but only to that row, whose
     * output is no longer read.)
     */
    final boolean padded;
    int live;

    Batch(List<long[]> prompts, long[] seeds, int promptLen, int total, long padId) {
      int b = prompts.size();
      this.rows = b;
      this.promptLen = promptLen;
      this.total = total;
      this.ids = new long[b * total];
      this.mask = new int[b * total];
      Arrays.fill(ids, padId);
      for (int r = 0; r < b; r++) {
        long[] pr = prompts.get(r);
        int start = r * total + promptLen - pr.length;
        System.arraycopy(pr, 0, ids, start, pr.length);
        Arrays.fill(mask, start, r * total + promptLen, 1);
      }
      this.rngs = new SplittableRandom[b];
      this.reasons = new Generation.Reason[b];
      this.texts = new String[b];
      for (int r = 0; r < b; r++) {
        rngs[r] = new SplittableRandom(seeds[r]);
        out.add(new ArrayList<>());
      }
      this.live = b;
      boolean anyPadded = false;
      for (long[] pr : prompts) {
        anyPadded |= pr.length < promptLen;
      }
      this.padded = anyPadded;
    }
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
