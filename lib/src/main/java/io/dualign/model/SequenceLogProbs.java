package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code SequenceLogProbs} computes log π(response | prompt) = Σ_t log softmax(logits_t)[y_t] over
 * the response tokens of a {@link TokenBatch}: what DPO needs for the policy and the reference.
 */
public final class SequenceLogProbs {
  private SequenceLogProbs() {}

  /**
   * Log-probabilities {@code [n]} of the batch's {@code n} response tokens (row by row, in
   * order), each given the tokens before it, and {@code rows}, a {@code [batch, n]} 0/1 matrix
   * whose product with them gives each row's sum.
   */
  public record TokenLogProbs(NDArray logProbs, NDArray rows) {
    /** Number of response tokens. */
    public long count() {
      return logProbs.getShape().get(0);
    }

    /** Each row's sum {@code [batch]}: its sequence log-probability. */
    public NDArray perRow() {
      return rows.matMul(logProbs);
    }
  }

  /**
   * Log-probabilities of each response token given the ones before it. Only the positions that
   * predict a response token go through the vocabulary head and the log-softmax (prompt and
   * padding positions are never materialised as logits).
   */
  public static TokenLogProbs tokenLogProbs(CausalLm lm, TokenBatch batch, NDManager m,
      boolean training) {
    int cols = batch.cols();
    int n = 0;
    for (int r = 0; r < batch.rows(); r++) {
      for (int c = 1; c < cols; c++) {
        n += batch.target()[r * cols + c];
      }
    }
    long[] positions = new long[n];
    long[] next = new long[n];
    float[] rows = new float[batch.rows() * n];
    int i = 0;
    for (int r = 0; r < batch.rows(); r++) {
      for (int c = 1; c < cols; c++) {
        if (batch.target()[r * cols + c] == 1) {
          positions[i] = (long) r * cols + c - 1; // the logits at c - 1 predict the token at c
          next[i] = batch.ids()[r * cols + c];
          rows[r * n + i] = 1f;
          i++;
        }
      }
    }
    NDArray lp = lm.nextTokenLogProbs(batch.idsArray(m), batch.maskArray(m),
        m.create(positions, new Shape(n)), m.create(next, new Shape(n)), training);
    return new TokenLogProbs(lp, m.create(rows, new Shape(batch.rows(), n)));
  }

  /** log softmax(logits[i])[next[i]] of logits {@code [n, vocab]} and ids {@code [n]}: {@code [n]}. */
  public static NDArray pick(NDArray logits, NDArray next) {
    return logits.logSoftmax(1).gather(next.reshape(-1, 1), 1).reshape(-1);
  }

  /** Sequence log-probabilities {@code [batch]} (sums over each row's response tokens). */
  public static NDArray sequence(CausalLm lm, TokenBatch batch, NDManager m, boolean training) {
    return tokenLogProbs(lm, batch, m, training).perRow();
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
