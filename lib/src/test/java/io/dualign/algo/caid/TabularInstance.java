package io.dualign.algo.caid;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.Moments;
import io.dualign.dual.PromptSamples;
import io.dualign.dual.SlackEstimate;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code TabularInstance} is a constrained alignment problem small enough to solve exactly: a
 * finite candidate set per prompt (prompts equally likely), π_ref, rewards and utilities given as
 * numbers. It provides the exact Lagrangian maximiser (π_λ ∝ π_ref·exp((r + λᵀg)/β)), exact
 * constraint slacks, and the dual's gradient written out directly, for an independent λ*.
 */
record TabularInstance(String name, double beta, List<Constraint> constraints, double[][] piRef,
    double[][] reward, double[][][] utility) {

  /** A tabular policy: free logits over each prompt's candidates. */
  record Policy(double[][] logits) {
    double[][] probabilities() {
      double[][] p = new double[logits.length][];
      for (int x = 0; x < logits.length; x++) {
        p[x] = softmax(logits[x]);
      }
      return p;
    }
  }

  int prompts() {
    return piRef.length;
  }

  int m() {
    return constraints.size();
  }

  /** θ(0) = π_ref as logits. */
  Policy reference() {
    double[][] l = new double[prompts()][];
    for (int x = 0; x < prompts(); x++) {
      l[x] = new double[piRef[x].length];
      for (int k = 0; k < l[x].length; k++) {
        l[x][k] = Math.log(piRef[x][k]);
      }
    }
    return new Policy(l);
  }

  /** The exact maximiser of E[r + λᵀh] − β·KL(π ‖ π_ref): logits log π_ref + (r + λᵀg)/β. */
  Policy maximise(double[] lambda) {
    double[][] l = new double[prompts()][];
    for (int x = 0; x < prompts(); x++) {
      l[x] = new double[piRef[x].length];
      for (int k = 0; k < l[x].length; k++) {
        double s = reward[x][k];
        for (int i = 0; i < m(); i++) {
          s += lambda[i] * utility[x][k][i];
        }
        l[x][k] = Math.log(piRef[x][k]) + s / beta;
      }
    }
    return new Policy(l);
  }

  /**
   * The exact slacks of a policy: per constraint, the sample of per-prompt expectations E_π[g | x]
   * (and E_ref[g | x] for relative constraints), whose mean is the exact E_x E_π g.
   */
  ConstraintEstimate evaluate(Policy policy) {
    double[][] p = policy.probabilities();
    List<SlackEstimate> out = new ArrayList<>();
    for (int i = 0; i < m(); i++) {
      double[] pol = new double[prompts()];
      double[] ref = new double[prompts()];
      for (int x = 0; x < prompts(); x++) {
        for (int k = 0; k < p[x].length; k++) {
          pol[x] += p[x][k] * utility[x][k][i];
          ref[x] += piRef[x][k] * utility[x][k][i];
        }
      }
      out.add(new SlackEstimate(constraints.get(i), Moments.of(pol), Moments.of(ref)));
    }
    return new ConstraintEstimate(out);
  }

  /** ∇D(λ) = E_x E_{π_λ}[h], written out directly (independent of the library's dual code). */
  double[] dualGradient(double[] lambda) {
    return evaluate(maximise(lambda)).slack();
  }

  /** The candidates as weighted samples (weight π_ref), for the one-shot solvers. */
  List<PromptSamples> samples() {
    List<PromptSamples> out = new ArrayList<>();
    for (int x = 0; x < prompts(); x++) {
      double[][] g = new double[piRef[x].length][];
      for (int k = 0; k < g.length; k++) {
        g[k] = utility[x][k].clone();
      }
      out.add(new PromptSamples("x" + x, reward[x].clone(), g, piRef[x].clone()));
    }
    return out;
  }

  static double[] softmax(double[] l) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : l) {
      max = Math.max(max, v);
    }
    double[] p = new double[l.length];
    double z = 0;
    for (int k = 0; k < l.length; k++) {
      p[k] = Math.exp(l[k] - max);
      z += p[k];
    }
    for (int k = 0; k < l.length; k++) {
      p[k] /= z;
    }
    return p;
  }

  /**
   * λ* by bisection on the monotone gradient, independently of the library's solvers: one
   * constraint by bisection on ∂D/∂λ; two by nested bisection (the inner λ2*(λ1) minimises over
   * λ2, the outer bisects d/dλ1 min_λ2 D = ∂D/∂λ1 at (λ1, λ2*(λ1)), by the envelope theorem).
   */
  double[] lambdaStarByBisection() {
    if (m() == 1) {
      return new double[] {bisect(l -> dualGradient(new double[] {l})[0])};
    }
    if (m() == 2) {
      java.util.function.DoubleUnaryOperator inner =
          l1 -> bisect(l2 -> dualGradient(new double[] {l1, l2})[1]);
      double l1 = bisect(a -> dualGradient(new double[] {a, inner.applyAsDouble(a)})[0]);
      return new double[] {l1, inner.applyAsDouble(l1)};
    }
    throw new IllegalStateException("bisection handles one or two constraints");
  }

  /** The root of a non-decreasing function on [0, ∞), or 0 when it is ≥ 0 at 0. */
  static double bisect(java.util.function.DoubleUnaryOperator grad) {
    if (grad.applyAsDouble(0.0) >= 0) {
      return 0.0;
    }
    double lo = 0.0;
    double hi = 1.0;
    while (grad.applyAsDouble(hi) < 0) {
      lo = hi;
      hi *= 2;
      if (hi > 1e6) {
        throw new IllegalStateException("no root below 1e6: infeasible");
      }
    }
    for (int it = 0; it < 100; it++) {
      double mid = 0.5 * (lo + hi);
      if (grad.applyAsDouble(mid) < 0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }
}
