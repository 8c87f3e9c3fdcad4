package io.dualign.model;

import ai.djl.ndarray.NDArray;

/**
 * A {@code ScoreModel} maps each (prompt, response) token sequence to one scalar read at its last
 * non-pad token (safe-rlhf's "end score"): a reward or a cost.
 */
public interface ScoreModel extends TrainableModel {
  int contextLength();

  /** End scores {@code [batch]} for ids {@code [batch, time]} and their attention mask. */
  NDArray endScores(NDArray ids, NDArray attentionMask, boolean training);
}
