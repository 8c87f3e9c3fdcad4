package io.dualign.data;

import io.dualign.vocabulary.Hashes;

/**
 * {@code PromptSplit} assigns a prompt to the train or test split from its id and the run seed, so
 * every pair of one prompt lands in the same split (prompt-disjoint) on any executor, in any order.
 */
public final class PromptSplit {
  public static final String TRAIN = "train";
  public static final String TEST = "test";

  private PromptSplit() {}

  /** "test" with probability {@code testFraction} (uniform over prompt ids), else "train". */
  public static String of(String promptId, long seed, double testFraction) {
    long h = Hashes.mix(seed, "split/" + promptId);
    double u = (h >>> 11) * 0x1.0p-53;
    return u < testFraction ? TEST : TRAIN;
  }
}
