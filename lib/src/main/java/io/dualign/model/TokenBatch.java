package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A {@code TokenBatch} is a padded batch of (prompt, response) token sequences as Java arrays:
 * ids, the attention mask (1 token, 0 pad) and the target mask (1 on response tokens, the ones
 * whose log-probabilities count). Rows are padded on the right or on the left.
 */
public record TokenBatch(int rows, int cols, long[] ids, int[] mask, int[] target) {

  /** Which side padding goes. */
  public enum Padding { LEFT, RIGHT }

  /**
   * Concatenates each prompt with its response and pads to the longest row.
   *
   * @param padId the id written at padded positions (masked out, so any id works)
   */
  public static TokenBatch of(List<long[]> prompts, List<long[]> responses, long padId,
      Padding padding) {
    return of(prompts, responses, padId, padding, 0);
  }

  /**
   * As {@link #of(List, List, long, Padding)}, padded to at least {@code minCols} columns (a fixed
   * width makes a row's floating-point results independent of the other rows of its batch).
   */
  public static TokenBatch of(List<long[]> prompts, List<long[]> responses, long padId,
      Padding padding, int minCols) {
    if (prompts.size() != responses.size()) {
      throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size()
          + " responses");
    }
    int rows = prompts.size();
    int cols = Math.max(0, minCols);
    for (int r = 0; r < rows; r++) {
      cols = Math.max(cols, prompts.get(r).length + responses.get(r).length);
    }
    long[] ids = new long[rows * cols];
    int[] mask = new int[rows * cols];
    int[] target = new int[rows * cols];
    java.util.Arrays.fill(ids, padId);
    for (int r = 0; r < rows; r++) {
      long[] p = prompts.get(r);
      long[] y = responses.get(r);
      int len = p.length + y.length;
      int start = r * cols + (padding == Padding.LEFT ? cols - len : 0);
      for (int i = 0; i < len; i++) {
        ids[start + i] = i < p.length ? p[i] : y[i - p.length];
        mask[start + i] = 1;
        target[start + i] = i < p.length ? 0 : 1;
      }
    }
    return new TokenBatch(rows, cols, ids, mask, target);
  }

  /** Number of target (response) tokens. */
  public long targetTokens() {
    long n = 0;
    for (int t : target) {
      n += t;
    }
    return n;
  }

  /** Number of real (non-pad) tokens. */
  public long tokens() {
    long n = 0;
    for (int t : mask) {
      n += t;
    }
    return n;
  }

  public NDArray idsArray(NDManager m) {
    return m.create(ids, new Shape(rows, cols));
  }

  public NDArray maskArray(NDManager m) {
    return m.create(mask, new Shape(rows, cols));
  }

  public NDArray targetArray(NDManager m) {
    return m.create(target, new Shape(rows, cols));
  }
}
