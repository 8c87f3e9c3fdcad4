package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A {@code TokenBatch} is a padded batch of (prompt, response) token sequences as Java arrays,
 * row-major {@code [rows, cols]}: ids, the attention mask (1 token, 0 pad) and the target mask (1
 * on response tokens, the ones whose log-probabilities count). Rows are padded on the right or on
 * the left. Every model family takes it: the built-in and Hugging Face models through
 * {@link #idsArray}/{@link #maskArray}, TorchScript bundles as int64 {@code input_ids} and
 * {@code attention_mask}.
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

  /**
   * Whole sequences without a prompt/response split (every real token is a target), padded to
   * the longest row or to {@code minCols} if longer.
   */
  public static TokenBatch ofSequences(List<long[]> rows, long padId, Padding padding,
      int minCols) {
    return of(java.util.Collections.nCopies(rows.size(), new long[0]), rows, padId, padding,
        minCols);
  }

  /**
   * A batch given as matrices {@code ids[B][T]} and {@code mask[B][T]} of 0/1 (e.g. a recorded
   * reference batch); every real token is a target.
   *
   * @throws IllegalArgumentException naming the ragged row or the mask entry not 0 or 1
   */
  public static TokenBatch ofMatrix(long[][] ids, long[][] mask) {
    if (mask.length != ids.length) {
      throw new IllegalArgumentException("attention mask has " + mask.length + " rows, ids have "
          + ids.length);
    }
    int rows = ids.length;
    int cols = rows == 0 ? 0 : ids[0].length;
    long[] flatIds = new long[rows * cols];
    int[] flatMask = new int[rows * cols];
    for (int b = 0; b < rows; b++) {
      if (ids[b].length != cols || mask[b].length != cols) {
        throw new IllegalArgumentException("row " + b + " has " + ids[b].length + " ids and "
            + mask[b].length + " mask entries, row 0 has " + cols);
      }
      for (int t = 0; t < cols; t++) {
        if (mask[b][t] != 0 && mask[b][t] != 1) {
          throw new IllegalArgumentException("attention mask row " + b + " holds " + mask[b][t]
              + "; only 0 and 1 allowed");
        }
        flatIds[b * cols + t] = ids[b][t];
        flatMask[b * cols + t] = (int) mask[b][t];
      }
    }
    return new TokenBatch(rows, cols, flatIds, flatMask, flatMask.clone());
  }

  /**
   * This batch right-extended with padding (mask and target 0) to {@code newCols} columns, for
   * models traced with a fixed length.
   */
  public TokenBatch padRightTo(int newCols, long padId) {
    if (newCols < cols) {
      throw new IllegalArgumentException("cannot pad a batch of length " + cols + " down to "
          + newCols);
    }
    if (newCols == cols) {
      return this;
    }
    long[] i = new long[rows * newCols];
    int[] m = new int[rows * newCols];
    int[] t = new int[rows * newCols];
    java.util.Arrays.fill(i, padId);
    for (int r = 0; r < rows; r++) {
      System.arraycopy(ids, r * cols, i, r * newCols, cols);
      System.arraycopy(mask, r * cols, m, r * newCols, cols);
      System.arraycopy(target, r * cols, t, r * newCols, cols);
    }
    return new TokenBatch(rows, newCols, i, m, t);
  }

  /** The ids of row {@code r}. */
  public long[] idsRow(int r) {
    return java.util.Arrays.copyOfRange(ids, r * cols, (r + 1) * cols);
  }

  /** The attention mask of row {@code r}. */
  public int[] maskRow(int r) {
    return java.util.Arrays.copyOfRange(mask, r * cols, (r + 1) * cols);
  }

  /** Number of real tokens of row {@code r}. */
  public int rowTokens(int r) {
    int n = 0;
    for (int t = r * cols; t < (r + 1) * cols; t++) {
      n += mask[t];
    }
    return n;
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
