package io.dualign.jobs;

/**
 * A {@code DataRejectedException} means the input data was rejected as a whole (too many bad rows):
 * exit code 3, with the counts and top reasons in the message.
 */
public final class DataRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataRejectedException(String message) {
    super(message);
  }
}
