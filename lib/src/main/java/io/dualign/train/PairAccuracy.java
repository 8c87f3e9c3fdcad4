package io.dualign.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code PairAccuracy} tallies how a score model's scores rank and sign held-out preference
 * pairs, the way safe-rlhf measures its reward and cost models: a pair is ranked right when the
 * preferred response scores strictly higher (reward) or strictly lower (cost) than the other, so a
 * tie counts as wrong; a response is signed right when its cost is negative exactly when it is
 * labelled safe. For cost models the pair accuracy is also split by the pair's safety labels:
 * {@code mixed} pairs (one safe, one unsafe response: the safer one is the safe one) and
 * {@code same_label} pairs (both safe or both unsafe: only the annotators' relative judgment
 * orders them, about four pairs in five of PKU-SafeRLHF).
 */
public final class PairAccuracy {
  private final ScoreObjective.Kind kind;
  private long pairs;
  private long right;
  private long signRight;
  private long mixed;
  private long mixedRight;

  public PairAccuracy(ScoreObjective.Kind kind) {
    this.kind = kind;
  }

  /** Adds one pair: the preferred (better or safer) response's score first. */
  public void add(double preferred, double other, boolean preferredSafe, boolean otherSafe) {
    boolean ranked = kind == ScoreObjective.Kind.REWARD ? preferred > other : other > preferred;
    pairs++;
    right += ranked ? 1 : 0;
    signRight += ((preferred < 0) == preferredSafe ? 1 : 0) + ((other < 0) == otherSafe ? 1 : 0);
    if (preferredSafe != otherSafe) {
      mixed++;
      mixedRight += ranked ? 1 : 0;
    }
  }

  public long pairs() {
    return pairs;
  }

  /** Share of pairs ranked right; NaN before any pair. */
  public double accuracy() {
    return ratio(right, pairs);
  }

  /** Share of responses (two per pair) whose cost sign matches their safety label. */
  public double signAccuracy() {
    return ratio(signRight, 2 * pairs);
  }

  /** Pair accuracy on pairs with one safe and one unsafe response; NaN when there are none. */
  public double mixedAccuracy() {
    return ratio(mixedRight, mixed);
  }

  /** Pair accuracy on pairs whose responses are both safe or both unsafe; NaN when none. */
  public double sameLabelAccuracy() {
    return ratio(right - mixedRight, pairs - mixed);
  }

  public long mixedPairs() {
    return mixed;
  }

  /**
   * {@code accuracy}; for cost also {@code sign_accuracy}, {@code pairs_mixed},
   * {@code accuracy_mixed}, {@code pairs_same_label}, {@code accuracy_same_label} (each accuracy
   * only when it has pairs, so no NaN reaches a JSON summary).
   */
  public Map<String, Double> figures() {
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("accuracy", accuracy());
    if (kind == ScoreObjective.Kind.COST) {
      out.put("sign_accuracy", signAccuracy());
      out.put("pairs_mixed", (double) mixed);
      if (mixed > 0) {
        out.put("accuracy_mixed", mixedAccuracy());
      }
      out.put("pairs_same_label", (double) (pairs - mixed));
      if (pairs > mixed) {
        out.put("accuracy_same_label", sameLabelAccuracy());
      }
    }
    return out;
  }

  private static double ratio(long a, long b) {
    return b == 0 ? Double.NaN : (double) a / b;
  }
}
