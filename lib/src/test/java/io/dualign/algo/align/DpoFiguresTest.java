package io.dualign.algo.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** DPO figures from sequence log-probabilities, against hand-derived numbers. */
class DpoFiguresTest {
  @Test
  void atTheReferenceLossIsLog2AndNothingDrifted() {
    double[] c = {-3, -7};
    double[] r = {-5, -2};
    DpoFigures f = DpoFigures.of(c, r, c, r, 0.1);
    assertEquals(Math.log(2), f.loss(), 1e-15);
    assertEquals(0.0, f.accuracy());
    assertEquals(0.0, f.meanMargin());
    assertEquals(0.0, f.klPairs());
  }

  @Test
  void handDerivedPairs() {
    // pair 1: chosen +2 over ref, rejected -1 → m = 0.5·3 = 1.5; pair 2: chosen 0, rejected +1
    // → m = 0.5·(−1) = −0.5. Loss = (log(1+e^−1.5) + log(1+e^0.5)) / 2; drift = (2−1+0+1)/4.
    DpoFigures f = DpoFigures.of(new double[] {-8, -4}, new double[] {-11, -5},
        new double[] {-10, -4}, new double[] {-10, -6}, 0.5);
    assertEquals((Math.log1p(Math.exp(-1.5)) + Math.log1p(Math.exp(0.5))) / 2, f.loss(), 1e-15);
    assertEquals(0.5, f.accuracy());
    assertEquals(0.5, f.meanMargin(), 1e-15);
    assertEquals(0.5, f.klPairs(), 1e-15);
    assertEquals(2, f.pairs());
  }

  @Test
  void largeMarginsDoNotOverflow() {
    DpoFigures f = DpoFigures.of(new double[] {0}, new double[] {-1e5}, new double[] {-1e5},
        new double[] {0}, 1.0);
    assertEquals(0.0, f.loss(), 0.0);
    DpoFigures g = DpoFigures.of(new double[] {-1e5}, new double[] {0}, new double[] {0},
        new double[] {-1e5}, 1.0);
    assertEquals(2e5, g.loss(), 1e-6);
  }

  @Test
  void rejectsUnequalOrEmptyArrays() {
    assertThrows(IllegalArgumentException.class, () -> DpoFigures.of(new double[0],
        new double[0], new double[0], new double[0], 0.1));
    assertThrows(IllegalArgumentException.class, () -> DpoFigures.of(new double[1],
        new double[2], new double[1], new double[1], 0.1));
  }
}
