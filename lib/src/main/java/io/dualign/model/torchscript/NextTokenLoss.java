package io.dualign.model.torchscript;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * {@code NextTokenLoss} is the causal LM loss as a DJL {@link Loss}: the mean over counted targets of
 * {@code -log p(token t | tokens < t)}.
 *
 * <p>Labels are {@code [input_ids int64 [B,T], attention_mask [B,T], loss_mask [B,T]]}; {@code loss_mask[b,t] = 1}
 * makes token t a target (e.g. only response tokens for SFT). Predictions are {@code [logits [B,T,V]]}.
 */
public final class NextTokenLoss extends Loss {

  public NextTokenLoss() {
    super("NextTokenLoss");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray ids = labels.get(0);
    NDArray mask = SequenceMath.targetMask(labels.get(1), labels.get(2));
    return SequenceMath.meanNll(SequenceMath.nextTokenLogProbs(predictions.singletonOrThrow(), ids), mask);
  }
}
