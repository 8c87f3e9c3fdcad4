package io.dualign.model.hf;

/**
 * An {@code HfModelException} says a Hugging Face model folder cannot be used: a missing or
 * truncated file, an unsupported architecture, a tensor of the wrong shape, sizes that disagree.
 * The message names the folder or file and the key or tensor; the command exits with code 2.
 */
public final class HfModelException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public HfModelException(String message) {
    super(message);
  }

  public HfModelException(String message, Throwable cause) {
    super(message, cause);
  }
}
