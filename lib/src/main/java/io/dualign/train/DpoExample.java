package io.dualign.train;

/**
 * A {@code DpoExample} is a prompt with a chosen and a rejected response and their sequence
 * log-probabilities under the frozen reference policy, computed once before training (so the
 * reference need not stay in memory).
 */
public record DpoExample(long[] prompt, long[] chosen, long[] rejected, double refChosen,
    double refRejected) {}
