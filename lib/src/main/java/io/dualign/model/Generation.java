package io.dualign.model;

/**
 * A {@code Generation} is one generated response: its token ids (without the end-of-sequence
 * token), its text (null when no decoder was given), and why it ended.
 */
public record Generation(long[] tokens, String text, Reason reason) {
  /** Why generation of a row ended. */
  public enum Reason {
    /** The end-of-sequence token was sampled. */
    EOS,
    /** A stop string appeared; the text is cut before it. */
    STOP,
    /** {@code maxNewTokens} were generated. */
    LENGTH
  }
}
