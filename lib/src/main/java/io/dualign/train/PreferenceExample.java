package io.dualign.train;

/**
 * A {@code PreferenceExample} is a prompt with two responses, the {@code preferred} one first:
 * the more helpful for a reward model, the safer for a cost model (whose safety labels are
 * {@code preferredSafe} and {@code otherSafe}).
 */
public record PreferenceExample(long[] prompt, long[] preferred, long[] other,
    boolean preferredSafe, boolean otherSafe) {}
