package io.dualign.dual;

import java.io.Serializable;
import java.util.List;

/**
 * A {@code DualProblem} is what defines the one-shot dual besides the samples: the KL weight β and
 * the constraints, which fix the slack h_ik of sample k of prompt i:
 * h = g − ḡ_i − b (relative; ḡ_i the reference mean of g for the prompt, from the same samples)
 * or h = g − c (absolute). It is serializable so partition functions carry it.
 */
public final class DualProblem implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double beta;
  private final boolean[] relative;
  private final double[] threshold;
  private final String[] names;

  public DualProblem(double beta, List<Constraint> constraints) {
    if (!(beta > 0) || !Double.isFinite(beta)) {
      throw new IllegalArgumentException("β must be finite and > 0, was " + beta);
    }
    if (constraints.isEmpty()) {
      throw new IllegalArgumentException("the dual needs at least one constraint");
    }
    this.beta = beta;
    int m = constraints.size();
    this.relative = new boolean[m];
    this.threshold = new double[m];
    this.names = new String[m];
    for (int i = 0; i < m; i++) {
      relative[i] = constraints.get(i).form() == ConstraintForm.RELATIVE;
      threshold[i] = constraints.get(i).threshold();
      names[i] = constraints.get(i).name();
    }
  }

  public double beta() {
    return beta;
  }

  /** Number of constraints m. */
  public int size() {
    return relative.length;
  }

  public boolean relative(int i) {
    return relative[i];
  }

  public double threshold(int i) {
    return threshold[i];
  }

  public String name(int i) {
    return names[i];
  }
}
