package io.dualign.algo.align;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code DpoFigures} are the figures of a policy on DPO pairs, from sequence log-probabilities:
 * the DPO loss mean −log σ(m), the implicit-reward accuracy (share of pairs with margin m &gt; 0),
 * the mean margin, where m = β·[(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)], and
 * {@code kl_pairs}: the mean of log π(y|x) − log π_ref(y|x) over both responses of every pair.
 * The last is a KL-style drift measured on the fixed pair responses, not on samples of π (it is
 * not KL(π ‖ π_ref), which needs y ~ π).
 */
public record DpoFigures(int pairs, double loss, double accuracy, double meanMargin,
    double klPairs) {

  /** The figures of these pairs (arrays parallel, one entry per pair). */
  public static DpoFigures of(double[] policyChosen, double[] policyRejected, double[] refChosen,
      double[] refRejected, double beta) {
    int n = policyChosen.length;
    if (n == 0 || policyRejected.length != n || refChosen.length != n || refRejected.length != n) {
      throw new IllegalArgumentException("DPO figures need equal, non-empty arrays; got "
          + n + ", " + policyRejected.length + ", " + refChosen.length + ", " + refRejected.length);
    }
    double loss = 0;
    double margin = 0;
    double drift = 0;
    int right = 0;
    for (int i = 0; i < n; i++) {
      double m = beta * ((policyChosen[i] - refChosen[i]) - (policyRejected[i] - refRejected[i]));
      loss += softplus(-m);
      margin += m;
      right += m > 0 ? 1 : 0;
      drift += (policyChosen[i] - refChosen[i]) + (policyRejected[i] - refRejected[i]);
    }
    return new DpoFigures(n, loss / n, (double) right / n, margin / n, drift / (2.0 * n));
  }

  /** log(1 + e^x) without overflow. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pairs", pairs);
    m.put("dpo_loss", loss);
    m.put("implicit_reward_accuracy", accuracy);
    m.put("mean_margin", meanMargin);
    m.put("kl_pairs", klPairs);
    return m;
  }
}
