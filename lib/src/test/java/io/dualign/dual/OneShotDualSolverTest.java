package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OneShotDualSolverTest {
  /**
   * One prompt, β = 1, r = (0, 0), g = (0, 1), relative b: ∇D(λ) = σ(λ) − 1/2 − b, so
   * λ* = logit(1/2 + b) when 0 < b < 1/2 (b = 0.25: λ* = ln 3).
   */
  static DualFunction logistic(double b) {
    Constraint c = new Constraint("safety", ConstraintForm.RELATIVE, b);
    return new InMemoryDualFunction(new DualProblem(1.0, List.of(c)), List.of(
        PromptSamples.unweighted("x", new double[] {0, 0}, new double[][] {{0}, {1}})));
  }

  static OneShotDualSolver.Options options(OneShotDualSolver.Method m, double cap) {
    return new OneShotDualSolver.Options(m, 1e-10, 200, new double[] {cap}, new double[] {0.0});
  }

  @Test
  void newtonAndGradientFindTheClosedFormMinimiser() {
    for (OneShotDualSolver.Method m : OneShotDualSolver.Method.values()) {
      OneShotDualSolver.Solution s = OneShotDualSolver.solve(logistic(0.25), options(m, 50));
      assertTrue(s.converged(), m + ": " + s.stopReason());
      assertEquals(Math.log(3), s.lambda()[0], 1e-9, m.toString());
      assertEquals(0.0, s.value().gradient(0), 1e-10);
      assertEquals(s.iterations() + 1, s.trajectory().size());
      for (int i = 1; i < s.trajectory().size(); i++) {
        assertTrue(s.trajectory().get(i).value() <= s.trajectory().get(i - 1).value() + 1e-15,
            "D decreases along the trajectory");
      }
    }
  }

  @Test
  void inactiveConstraintGivesZero() {
    // b = −0.25: ∇D(0) = 0.25 > 0, so λ* = 0 with predicted slack 0.25.
    OneShotDualSolver.Solution s = OneShotDualSolver.solve(logistic(-0.25),
        options(OneShotDualSolver.Method.NEWTON, 50));
    assertTrue(s.converged());
    assertEquals(0.0, s.lambda()[0], 0.0);
    assertEquals(0.25, s.value().gradient(0), 1e-15);
    assertEquals(0, s.iterations());
  }

  @Test
  void infeasibleConstraintStopsAtTheCap() {
    // b = 0.6: σ(λ) − 1/2 < 0.6 for every λ; D decreases forever and λ stops at λ_max.
    OneShotDualSolver.Solution s = OneShotDualSolver.solve(logistic(0.6),
        options(OneShotDualSolver.Method.NEWTON, 20));
    assertTrue(s.converged(), s.stopReason());
    assertEquals(20.0, s.lambda()[0], 0.0);
    assertTrue(s.atCap(0, new double[] {20}));
    assertTrue(s.value().gradient(0) < 0);
  }

  @Test
  void iterationCapIsHonoured() {
    OneShotDualSolver.Options o = new OneShotDualSolver.Options(OneShotDualSolver.Method.GRADIENT,
        1e-14, 2, new double[] {50}, new double[] {0});
    OneShotDualSolver.Solution s = OneShotDualSolver.solve(logistic(0.25), o);
    assertEquals(2, s.iterations());
    assertTrue(s.stopReason().contains("iteration cap"), s.stopReason());
  }

  @Test
  void largestEigenvalue() {
    assertEquals(3.0, OneShotDualSolver.largestEigenvalue(new double[][] {{2, 1}, {1, 2}}), 1e-10);
    assertEquals(0.0, OneShotDualSolver.largestEigenvalue(new double[][] {{0}}), 0.0);
  }
}
