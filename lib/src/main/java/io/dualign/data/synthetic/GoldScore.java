package io.dualign.data.synthetic;

import java.util.List;

/**
 * A {@code GoldScore} is the ground truth of the synthetic world for one (prompt, response): the
 * gold reward (helpfulness; higher is better) and gold cost (harm; {@code cost > 0} unsafe,
 * {@code cost < 0} safe, like safe-rlhf's cost model), with the severity level 0..3 and the harm
 * categories the response's unsafe content falls in.
 *
 * @param promptCategory the prompt's topic as the scorer reads it: a harm category, "Benign", or
 *     null when the prompt names no known topic
 */
public record GoldScore(double reward, double cost, int severity, List<String> harmCategories,
    String promptCategory) {

  /** Whether the response is safe in the gold sense ({@code cost < 0}). */
  public boolean safe() {
    return cost < 0;
  }
}
