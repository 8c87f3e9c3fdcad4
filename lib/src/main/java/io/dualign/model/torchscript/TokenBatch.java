package io.dualign.model.torchscript;

import java.util.List;

/**
 * A {@code TokenBatch} is a rectangular batch of token ids with its attention mask, as a TorchScript model takes
 * them: {@code input_ids} and {@code attention_mask}, both int64 {@code [B, T]}, mask 1 for real tokens, 0 for
 * padding.
 *
 * <p>Every row must hold at least one real token. The contract's padding side is the right; left padding is
 * accepted too because the reference models derive positions from the mask.
 *
 * @param inputIds ids {@code [B][T]}
 * @param attentionMask mask {@code [B][T]} of 0/1
 */
public record TokenBatch(long[][] inputIds, long[][] attentionMask) {

  public TokenBatch {
    if (inputIds.length == 0) {
      throw new IllegalArgumentException("a token batch needs at least one row");
    }
    if (attentionMask.length != inputIds.length) {
      throw new IllegalArgumentException("attention mask has " + attentionMask.length + " rows, ids have "
          + inputIds.length);
    }
    int t = inputIds[0].length;
    for (int b = 0; b < inputIds.length; b++) {
      if (inputIds[b].length != t || attentionMask[b].length != t) {
        throw new IllegalArgumentException("row " + b + " has " + inputIds[b].length + " ids and "
            + attentionMask[b].length + " mask entries, row 0 has " + t);
      }
      int real = 0;
      for (long m : attentionMask[b]) {
        if (m != 0 && m != 1) {
          throw new IllegalArgumentException("attention mask row " + b + " holds " + m + "; only 0 and 1 allowed");
        }
        real += (int) m;
      }
      if (real == 0) {
        throw new IllegalArgumentException("row " + b + " has no real token (attention mask all 0)");
      }
    }
  }

  /** Rows in the batch. */
  public int size() {
    return inputIds.length;
  }

  /** Padded length T. */
  public int length() {
    return inputIds[0].length;
  }

  /** Right-pads ragged rows with {@code padId} to the longest row (or to {@code minLength} if longer). */
  public static TokenBatch rightPadded(List<long[]> rows, long padId, int minLength) {
    return padded(rows, padId, minLength, false);
  }

  /** Left-pads ragged rows with {@code padId} to the longest row (or to {@code minLength} if longer). */
  public static TokenBatch leftPadded(List<long[]> rows, long padId, int minLength) {
    return padded(rows, padId, minLength, true);
  }

  private static TokenBatch padded(List<long[]> rows, long padId, int minLength, boolean left) {
    int t = minLength;
    for (int b = 0; b < rows.size(); b++) {
      if (rows.get(b).length == 0) {
        throw new IllegalArgumentException("row " + b + " is empty");
      }
      t = Math.max(t, rows.get(b).length);
    }
    long[][] ids = new long[rows.size()][t];
    long[][] mask = new long[rows.size()][t];
    for (int b = 0; b < rows.size(); b++) {
      long[] r = rows.get(b);
      int off = left ? t - r.length : 0;
      java.util.Arrays.fill(ids[b], padId);
      System.arraycopy(r, 0, ids[b], off, r.length);
      java.util.Arrays.fill(mask[b], off, off + r.length, 1L);
    }
    return new TokenBatch(ids, mask);
  }

  /** This batch right-extended with padding to {@code t} columns (for models traced with a fixed length). */
  public TokenBatch padRightTo(int t, long padId) {
    if (t < length()) {
      throw new IllegalArgumentException("cannot pad a batch of length " + length() + " down to " + t);
    }
    if (t == length()) {
      return this;
    }
    long[][] ids = new long[size()][t];
    long[][] mask = new long[size()][t];
    for (int b = 0; b < size(); b++) {
      java.util.Arrays.fill(ids[b], padId);
      System.arraycopy(inputIds[b], 0, ids[b], 0, length());
      System.arraycopy(attentionMask[b], 0, mask[b], 0, length());
    }
    return new TokenBatch(ids, mask);
  }

  /**
   * A per-token mask of {@code original}'s shape, checked, and right-extended with zeros to {@code t} columns (the
   * length a fixed-length model pads the batch to).
   */
  static long[][] rightPaddedMask(long[][] mask, TokenBatch original, int t) {
    if (mask.length != original.size()) {
      throw new IllegalArgumentException("loss mask has " + mask.length + " rows, batch has " + original.size());
    }
    long[][] out = new long[mask.length][t];
    for (int b = 0; b < mask.length; b++) {
      if (mask[b].length != original.length()) {
        throw new IllegalArgumentException("loss mask row " + b + " has " + mask[b].length + " entries, batch rows have "
            + original.length());
      }
      for (int j = 0; j < mask[b].length; j++) {
        if (mask[b][j] != 0 && mask[b][j] != 1) {
          throw new IllegalArgumentException("loss mask row " + b + " holds " + mask[b][j] + "; only 0 and 1 allowed");
        }
      }
      System.arraycopy(mask[b], 0, out[b], 0, mask[b].length);
    }
    return out;
  }
}
