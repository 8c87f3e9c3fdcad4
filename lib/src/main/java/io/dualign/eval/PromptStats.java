package io.dualign.eval;

import java.io.Serializable;

/**
 * A {@code PromptStats} is what one policy's samples of one evaluation prompt sum to: the sample
 * count, the mean reward and mean of each utility (in constraint order), the gold means (NaN
 * without gold scores), how many samples were safe (first utility ≥ 0, i.e. cost ≤ 0; and gold
 * cost ≤ 0), how many the {@link RefusalJudge} read ({@code judgeSamples}), called safe and
 * called refusals, and the comparisons with the reference's sample of the same index: how many
 * pairs there were and how many the policy won (ties count half) by reward and by each utility.
 */
public record PromptStats(String promptId, String category, long samples, double reward,
    double[] utilities, double goldReward, double goldCost, long safe, long goldSafe,
    long goldSamples, long judgeSafe, long judgeRefusals, long judgeSamples, long pairs,
    double rewardWins, double[] utilityWins)
    implements Serializable {}
