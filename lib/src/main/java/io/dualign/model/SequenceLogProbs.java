package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code SequenceLogProbs} computes log π(response | prompt) = Σ_t log softmax(logits_t)[y_t] over
 * the response tokens of a {@link TokenBatch}: what DPO needs for the policy and the reference.
 */
public final class SequenceLogProbs {
  private SequenceLogProbs() {}

  /** Per-token log-probabilities of the next token, {@code [batch, time - 1]}, and their mask. */
  public record TokenLogProbs(NDArray logProbs, NDArray targetMask) {}

  /** Log-probabilities of each token given the ones before it, masked to response tokens. */
  public static TokenLogProbs tokenLogProbs(CausalLm lm, TokenBatch batch, NDManager m,
      boolean training) {
    NDArray ids = batch.idsArray(m);
    NDArray logits = lm.logits(ids, batch.maskArray(m), training);
    NDArray logp = logits.get(":, :-1, :").logSoftmax(2);
    NDArray next = ids.get(":, 1:").expandDims(2);
    NDArray tok = logp.gather(next, 2).squeeze(2);
    NDArray target = batch.targetArray(m).get(":, 1:").toType(DataType.FLOAT32, false);
    return new TokenLogProbs(tok.mul(target), target);
  }

  /** Sequence log-probabilities {@code [batch]} (sums over each row's response tokens). */
  public static NDArray sequence(CausalLm lm, TokenBatch batch, NDManager m, boolean training) {
    return tokenLogProbs(lm, batch, m, training).logProbs().sum(new int[] {1});
  }

  /** The same as Java values, for callers that keep no arrays. */
  public static double[] sequenceValues(CausalLm lm, TokenBatch batch) {
    try (NDManager m = lm.manager().newSubManager()) {
      float[] v = sequence(lm, batch, m, false).toFloatArray();
      double[] out = new double[v.length];
      for (int i = 0; i < v.length; i++) {
        out[i] = v[i];
      }
      return out;
    }
  }

  /**
   * Sequence log-probabilities of two responses to each prompt, {@code [2][n]}: row 0 for
   * {@code first.get(i)}, row 1 for {@code second.get(i)}; both responses of a prompt go in the same
   * batch of {@code 2·batchSize} rows (right padded). What DPO needs for chosen and rejected.
   */
  public static double[][] pairValues(CausalLm lm, long padId, List<long[]> prompts,
      List<long[]> first, List<long[]> second, int batchSize) {
    int n = prompts.size();
    double[][] out = new double[2][n];
    for (int i = 0; i < n; i += batchSize) {
      int end = Math.min(n, i + batchSize);
      List<long[]> p = new ArrayList<>(prompts.subList(i, end));
      p.addAll(prompts.subList(i, end));
      List<long[]> r = new ArrayList<>(first.subList(i, end));
      r.addAll(second.subList(i, end));
      double[] lp = sequenceValues(lm, TokenBatch.of(p, r, padId, TokenBatch.Padding.RIGHT));
      for (int j = 0; j < end - i; j++) {
        out[0][i + j] = lp[j];
        out[1][i + j] = lp[end - i + j];
      }
    }
    return out;
  }
}
