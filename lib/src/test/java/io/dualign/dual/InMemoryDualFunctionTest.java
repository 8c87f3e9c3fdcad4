package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InMemoryDualFunctionTest {
  static final Constraint REL = new Constraint("safety", ConstraintForm.RELATIVE, 0.0);

  @Test
  void handDerivedOnePromptTwoSamples() {
    // β = 1, r = (0, 0), g = (0, 1), b = 0, λ = ln 3: exponents (0, ln 3), mean exp = 2,
    // ḡ = 0.5, D = ln 2 − 0.5·ln 3; π_λ = (1/4, 3/4): ∇D = 0.75 − 0.5, ∇²D = 0.75·0.25
    DualProblem p = new DualProblem(1.0, List.of(REL));
    InMemoryDualFunction f = new InMemoryDualFunction(p, List.of(PromptSamples.unweighted("x",
        new double[] {0, 0}, new double[][] {{0}, {1}})));
    DualValue v = f.evaluate(new double[] {Math.log(3)});
    assertEquals(Math.log(2) - 0.5 * Math.log(3), v.value(), 1e-15);
    assertEquals(0.25, v.gradient(0), 1e-15);
    assertEquals(0.1875, v.hessian(0, 0), 1e-15);
    assertEquals(1, v.prompts());
    assertEquals(2, v.samples());
  }

  @Test
  void absoluteFormAndWeightsAreExactExpectations() {
    // β = 0.5, weights (0.2, 0.8), r = (1, 0), g = (−1, 2), c = 0.5, λ = 0.25:
    // exponents (r + λg)/β = (1.5, 1); E_ref exp = 0.2e^1.5 + 0.8e^1
    Constraint abs = new Constraint("safety", ConstraintForm.ABSOLUTE, 0.5);
    DualProblem p = new DualProblem(0.5, List.of(abs));
    InMemoryDualFunction f = new InMemoryDualFunction(p, List.of(new PromptSamples("x",
        new double[] {1, 0}, new double[][] {{-1}, {2}}, new double[] {0.2, 0.8})));
    DualValue v = f.evaluate(new double[] {0.25});
    double a = 0.2 * Math.exp(1.5);
    double b = 0.8 * Math.exp(1.0);
    assertEquals(0.5 * Math.log(a + b) - 0.25 * 0.5, v.value(), 1e-14);
    double w1 = a / (a + b);
    double w2 = b / (a + b);
    assertEquals(-w1 + 2 * w2 - 0.5, v.gradient(0), 1e-14);
    assertEquals((w1 + 4 * w2 - Math.pow(-w1 + 2 * w2, 2)) / 0.5, v.hessian(0, 0), 1e-13);
  }

  @Test
  void peakedWeightsNeverOverflow() {
    // β = 0.01 and rewards near 20: exp(r/β) = exp(2000) overflows a double; log-sum-exp does not.
    DualProblem p = new DualProblem(0.01, List.of(REL));
    double[] r = {20.0, 19.9, 18.0};
    double[][] g = {{-5}, {5}, {0}};
    DualValue v = new InMemoryDualFunction(p, List.of(PromptSamples.unweighted("x", r, g)))
        .evaluate(new double[] {0.0});
    // D = β·log mean exp(r/β) ≈ 20 + 0.01·log((1 + e^−10 + e^−200)/3)
    assertEquals(20.0 + 0.01 * Math.log((1 + Math.exp(-10) + Math.exp(-200)) / 3), v.value(),
        1e-12);
    assertTrue(Double.isFinite(v.gradient(0)) && Double.isFinite(v.hessian(0, 0)));
    assertEquals(-5 * (1 - Math.exp(-10)) / (1 + Math.exp(-10)) - 0.0, v.gradient(0), 1e-9);
  }

  @Test
  void gradientAndHessianMatchFiniteDifferencesAndSampleOrderDoesNotMatter() {
    Random rnd = new Random(11);
    Constraint two = new Constraint("honesty", ConstraintForm.ABSOLUTE, -0.3);
    DualProblem p = new DualProblem(0.3, List.of(REL, two));
    List<PromptSamples> prompts = new ArrayList<>();
    List<PromptSamples> reversed = new ArrayList<>();
    for (int x = 0; x < 5; x++) {
      int k = 7;
      double[] r = new double[k];
      double[][] g = new double[k][2];
      for (int j = 0; j < k; j++) {
        r[j] = rnd.nextGaussian();
        g[j][0] = rnd.nextGaussian() - 0.5 * r[j];
        g[j][1] = rnd.nextGaussian();
      }
      prompts.add(PromptSamples.unweighted("p" + x, r, g));
      double[] rr = new double[k];
      double[][] gr = new double[k][];
      for (int j = 0; j < k; j++) {
        rr[j] = r[k - 1 - j];
        gr[j] = g[k - 1 - j];
      }
      reversed.add(PromptSamples.unweighted("p" + x, rr, gr));
    }
    InMemoryDualFunction f = new InMemoryDualFunction(p, prompts);
    double[] lam = {0.7, 0.4};
    DualValue v = f.evaluate(lam);
    DualValue vr = new InMemoryDualFunction(p, reversed).evaluate(lam);
    assertEquals(v.value(), vr.value(), 1e-13);
    double h = 1e-5;
    for (int i = 0; i < 2; i++) {
      double[] up = lam.clone();
      double[] dn = lam.clone();
      up[i] += h;
      dn[i] -= h;
      DualValue fu = f.evaluate(up);
      DualValue fd = f.evaluate(dn);
      assertEquals((fu.value() - fd.value()) / (2 * h), v.gradient(i), 1e-8, "∂D/∂λ" + i);
      assertEquals(v.gradient(i), vr.gradient(i), 1e-13);
      for (int j = 0; j < 2; j++) {
        assertEquals((fu.gradient(j) - fd.gradient(j)) / (2 * h), v.hessian(i, j), 1e-7,
            "H" + i + j);
        assertEquals(v.hessian(i, j), vr.hessian(i, j), 1e-12);
      }
    }
  }

  @Test
  void rejectsNonFiniteScoresNamingThePrompt() {
    DualProblem p = new DualProblem(1.0, List.of(REL));
    InMemoryDualFunction f = new InMemoryDualFunction(p, List.of(PromptSamples.unweighted("bad",
        new double[] {0, Double.NaN}, new double[][] {{0}, {1}})));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> f.evaluate(new double[] {0}));
    assertTrue(e.getMessage().contains("prompt bad"), e.getMessage());
  }
}
