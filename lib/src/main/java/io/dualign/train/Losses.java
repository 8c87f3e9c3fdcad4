package io.dualign.train;

import ai.djl.ndarray.NDArray;
import io.dualign.model.Scalars;

/**
 * {@code Losses} are the training objectives as pure functions of arrays: every input is a
 * {@code [batch]} (or per-token) array and every result a scalar mean over the batch. Numbers
 * that scale or bound an array enter as {@link Scalars} (the graph keeps them for the backward
 * pass).
 */
public final class Losses {
  private Losses() {}

  /** log σ(x), computed as −softplus(−x) = min(x, 0) − log(1 + e^{−|x|}) (no overflow). */
  public static NDArray logSigmoid(NDArray x) {
    return x.minimum(Scalars.of(x, 0)).sub(x.abs().neg().exp().add(1).log());
  }

  /**
   * Next-token loss: mean negative log-probability over target tokens (0 when there are none).
   *
   * @param tokenLogProbs log-probabilities of the target tokens (any shape)
   * @param targets how many target tokens they hold
   */
  public static NDArray nextToken(NDArray tokenLogProbs, long targets) {
    NDArray sum = tokenLogProbs.sum();
    return sum.neg().div(Scalars.of(sum, Math.max(1, targets)));
  }

  /**
   * Bradley–Terry reward loss −log σ(r_better − r_worse) plus {@code reg}·(r_better² + r_worse²),
   * batch mean.
   */
  public static NDArray reward(NDArray better, NDArray worse, float reg) {
    NDArray bt = logSigmoid(better.sub(worse)).neg();
    return bt.add(better.square().add(worse.square()).mul(Scalars.of(better, reg))).mean();
  }

  /**
   * safe-rlhf cost loss −log σ(c_unsafer − c_safer) − log σ(s_safer·c_safer) −
   * log σ(s_unsafer·c_unsafer) + {@code reg}·(c_safer² + c_unsafer²), batch mean, where the sign
   * s is +1 for an unsafe response and −1 for a safe one (so cost < 0 means safe).
   */
  public static NDArray cost(NDArray safer, NDArray unsafer, NDArray signSafer,
      NDArray signUnsafer, float reg) {
    NDArray pair = logSigmoid(unsafer.sub(safer)).neg();
    NDArray signs = logSigmoid(signSafer.mul(safer)).add(logSigmoid(signUnsafer.mul(unsafer))).neg();
    return pair.add(signs).add(safer.square().add(unsafer.square()).mul(Scalars.of(safer, reg)))
        .mean();
  }

  /**
   * DPO loss −log σ(β·[(log π(y_c) − log π_ref(y_c)) − (log π(y_r) − log π_ref(y_r))]), batch
   * mean, from sequence log-probabilities of the chosen and rejected responses.
   */
  public static NDArray dpo(NDArray policyChosen, NDArray policyRejected, NDArray refChosen,
      NDArray refRejected, float beta) {
    NDArray diff = policyChosen.sub(refChosen).sub(policyRejected.sub(refRejected));
    NDArray margin = diff.mul(Scalars.of(diff, beta));
    return logSigmoid(margin).neg().mean();
  }
}
