package io.dualign.dual;

/**
 * A {@code SamplesRejectedException} means a sample table cannot be used as a whole (a contract
 * column missing or of the wrong type, or no usable row); the message gives the counts.
 */
public final class SamplesRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SamplesRejectedException(String message) {
    super(message);
  }
}
