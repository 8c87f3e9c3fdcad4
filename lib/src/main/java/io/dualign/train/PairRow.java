package io.dualign.train;

import java.io.Serializable;

/**
 * A {@code PairRow} is one prepared preference pair as the training stages read it from
 * {@code prepare/pairs}: the prompt, two responses, which is more helpful ({@code betterId}) and
 * which is safer ({@code saferId}), each response's safety label (null when the source has none,
 * as HH-RLHF), and its split.
 */
public record PairRow(String pairId, String prompt, String response0, String response1,
    int betterId, int saferId, Boolean safe0, Boolean safe1, String split)
    implements Serializable {
  public static final String TRAIN = "train";
  public static final String TEST = "test";

  public PairRow {
    if ((betterId != 0 && betterId != 1) || (saferId != 0 && saferId != 1)) {
      throw new IllegalArgumentException("pair " + pairId + ": better_response_id " + betterId
          + " and safer_response_id " + saferId + " must be 0 or 1");
    }
  }

  public String response(int id) {
    return id == 0 ? response0 : response1;
  }

  /** The safety label of response {@code id}; null when the source carries none. */
  public Boolean safe(int id) {
    return id == 0 ? safe0 : safe1;
  }

  /** Whether both responses carry a safety label (the cost model's sign terms need them). */
  public boolean hasSafetyLabels() {
    return safe0 != null && safe1 != null;
  }

  public boolean isTrain() {
    return TRAIN.equals(split);
  }

  public boolean isTest() {
    return TEST.equals(split);
  }
}
