package io.dualign.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;

/**
 * An {@code Objective} is what a model is trained to minimise on examples of type {@code E}: the
 * loss of a batch, and the held-out figures (loss, accuracy...) of a data set.
 */
public interface Objective<E> {
  /** The scalar loss of {@code batch}, with arrays of manager {@code m}. */
  NDArray loss(NDManager m, List<E> batch, boolean training);

  /**
   * The denominator of the batch's mean loss: its examples (the default), or the tokens the loss
   * averages over. The micro-batches of one optimizer step are weighted by their share of the
   * step's total, so their accumulated gradients are those of the whole batch's mean.
   */
  default double weight(List<E> batch) {
    return batch.size();
  }

  /** Tokens the batch feeds through the model (for throughput). */
  long tokens(List<E> batch);

  /** Held-out figures over {@code data}, computed in batches of {@code batchSize} without gradients. */
  Map<String, Double> evaluate(List<E> data, int batchSize);
}
