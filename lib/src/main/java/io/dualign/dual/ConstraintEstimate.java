package io.dualign.dual;

import java.util.List;

/**
 * A {@code ConstraintEstimate} is the vector of slack estimates û, one per constraint, in the
 * order of the configured constraints (the order of λ).
 */
public record ConstraintEstimate(List<SlackEstimate> slacks) {
  public ConstraintEstimate {
    slacks = List.copyOf(slacks);
    if (slacks.isEmpty()) {
      throw new IllegalArgumentException("a constraint estimate needs at least one constraint");
    }
  }

  /** Number of constraints m. */
  public int size() {
    return slacks.size();
  }

  public SlackEstimate get(int i) {
    return slacks.get(i);
  }

  /** û as an array. */
  public double[] slack() {
    return slacks.stream().mapToDouble(SlackEstimate::slack).toArray();
  }

  /** Standard errors of û as an array. */
  public double[] standardError() {
    return slacks.stream().mapToDouble(SlackEstimate::standardError).toArray();
  }

  /** The constraints, in order. */
  public List<Constraint> constraints() {
    return slacks.stream().map(SlackEstimate::constraint).toList();
  }
}
