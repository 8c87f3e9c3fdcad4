package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PseudoLabelTest {
  @Test
  void handDerivedGapAndProbability() {
    // r: 0 → 1, g: 0.5 → −0.5 with λ = 2: gap = 1 + 2·(−1) = −1
    double gap = PseudoLabel.lagrangianGap(0.0, 1.0, new double[] {0.5}, new double[] {-0.5},
        new double[] {2.0});
    assertEquals(-1.0, gap, 0.0);
    assertEquals(1 / (1 + Math.E), PseudoLabel.preferSecondProbability(gap, 1.0), 1e-16);
    assertEquals(0.3775406687981454, PseudoLabel.preferSecondProbability(gap, 2.0), 1e-16);
    assertEquals(1.0, PseudoLabel.preferSecondProbability(1000, 1.0), 0.0);
    assertEquals(0.0, PseudoLabel.preferSecondProbability(-1000, 1.0), 1e-300);
    assertEquals(0.5, PseudoLabel.preferSecondProbability(0, 1.0), 0.0);
  }

  @Test
  void uniformIsDeterministicAndDependsOnEveryPart() {
    double u = PseudoLabel.uniform(42, 1, "pair-7");
    assertEquals(u, PseudoLabel.uniform(42, 1, "pair-7"), 0.0);
    assertNotEquals(u, PseudoLabel.uniform(43, 1, "pair-7"));
    assertNotEquals(u, PseudoLabel.uniform(42, 2, "pair-7"));
    assertNotEquals(u, PseudoLabel.uniform(42, 1, "pair-8"));
    assertTrue(u >= 0 && u < 1);
  }

  @Test
  void uniformIsUniform() {
    int n = 20000;
    int[] bins = new int[10];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double u = PseudoLabel.uniform(42, 3, "p" + i);
      sum += u;
      bins[(int) (u * 10)]++;
    }
    assertEquals(0.5, sum / n, 4 * Math.sqrt(1.0 / 12 / n));
    for (int b : bins) {
      assertEquals(n / 10.0, b, 4 * Math.sqrt(n * 0.1 * 0.9), "bin count");
    }
  }

  @Test
  void labelFrequencyFollowsTheProbability() {
    double p = 0.3;
    int n = 20000;
    int ones = 0;
    for (int i = 0; i < n; i++) {
      ones += PseudoLabel.label(p, 7, 1, "pair-" + i);
    }
    assertEquals(p, ones / (double) n, 4 * Math.sqrt(p * (1 - p) / n));
  }
}
