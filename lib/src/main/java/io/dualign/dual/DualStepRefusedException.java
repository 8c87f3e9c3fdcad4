package io.dualign.dual;

/**
 * A {@code DualStepRefusedException} means a dual step was refused because its constraint
 * estimate cannot drive it (an empty sample or a non-finite û); the message names the iteration,
 * the constraint and the counts. λ is left as it was.
 */
public final class DualStepRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DualStepRefusedException(String message) {
    super(message);
  }
}
