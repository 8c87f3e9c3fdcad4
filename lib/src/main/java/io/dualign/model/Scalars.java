package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * {@code Scalars} makes the scalar operands of array arithmetic on the gradient path.
 *
 * <p>DJL 0.36's {@code NDArray.mul(Number)} (likewise {@code div}, {@code pow}, {@code minimum},
 * {@code maximum}) wraps the number in a tensor over a Java direct buffer and closes it as soon
 * as the forward op returns. When the op records gradients, PyTorch keeps that tensor for the
 * backward pass, which then reads memory that Java frees after a garbage collection and may have
 * handed out again: the gradient becomes whatever was written there (found as train-cost giving
 * different weights on every run under garbage-collection pressure; {@code
 * ScalarsTest} shows it). A scalar made here is allocated by PyTorch, so the graph owns a valid
 * copy. Use it for every number that multiplies, divides or is compared with an array that may
 * require gradients; {@code add}/{@code sub} of a number are safe (their backward does not read
 * the operand).
 */
public final class Scalars {
  private Scalars() {}

  /** A 0-dimensional array holding {@code value}, with the manager and data type of {@code like}. */
  public static NDArray of(NDArray like, double value) {
    return like.getManager().full(new Shape(), (float) value, like.getDataType());
  }
}
