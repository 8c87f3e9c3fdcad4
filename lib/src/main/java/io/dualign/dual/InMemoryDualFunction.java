package io.dualign.dual;

import java.util.List;

/**
 * An {@code InMemoryDualFunction} is the one-shot dual over samples held in the driver's memory:
 * the reference implementation the distributed {@link SparkDualFunction} must agree with, and the
 * one small problems use directly.
 */
public final class InMemoryDualFunction implements DualFunction {
  private final DualProblem problem;
  private final List<PromptSamples> prompts;

  public InMemoryDualFunction(DualProblem problem, List<PromptSamples> prompts) {
    this.problem = problem;
    this.prompts = List.copyOf(prompts);
    for (PromptSamples p : this.prompts) {
      for (double[] g : p.utility()) {
        if (g.length != problem.size()) {
          throw new IllegalArgumentException("prompt " + p.promptId() + " has " + g.length
              + " utilities per sample, the problem " + problem.size() + " constraints");
        }
      }
    }
  }

  @Override
  public int size() {
    return problem.size();
  }

  @Override
  public DualValue evaluate(double[] lambda) {
    DualSums sums = new DualSums(problem.size());
    for (PromptSamples p : prompts) {
      PromptDualAccumulator acc = new PromptDualAccumulator(problem, lambda, p.promptId());
      for (int k = 0; k < p.size(); k++) {
        acc.add(p.reward()[k], p.utility()[k], p.weight()[k]);
      }
      acc.addTo(sums);
    }
    return sums.mean();
  }
}
