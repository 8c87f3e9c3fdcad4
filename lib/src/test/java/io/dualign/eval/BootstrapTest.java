package io.dualign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-checkable properties of the percentile bootstrap. */
class BootstrapTest {
  @Test
  void quantilesInterpolateBetweenOrderStatistics() {
    assertEquals(2.0, Bootstrap.quantile(new double[] {1, 2, 3, 4, 5}, 0.25), 1e-12);
    assertEquals(2.5, Bootstrap.quantile(new double[] {1, 2, 3, 4}, 0.5), 1e-12);
    double[] hundred = new double[101];
    for (int i = 0; i <= 100; i++) {
      hundred[i] = i;
    }
    assertEquals(2.5, Bootstrap.quantile(hundred, 0.025), 1e-12);
    assertEquals(97.5, Bootstrap.quantile(hundred, 0.975), 1e-12);
  }

  @Test
  void degenerateSamples() {
    Bootstrap.Interval c = Bootstrap.mean95(new double[] {3, 3, 3}, 500, 1);
    assertEquals(new Bootstrap.Interval(3, 3, 3, 3), c);
    assertEquals(new Bootstrap.Interval(-2, -2, -2, 1), Bootstrap.mean95(new double[] {-2}, 50, 1));
    Bootstrap.Interval none = Bootstrap.mean95(new double[0], 50, 1);
    assertTrue(Double.isNaN(none.mean()) && Double.isNaN(none.lower()) && none.n() == 0);
    assertThrows(IllegalArgumentException.class,
        () -> Bootstrap.mean95(new double[] {1, Double.NaN}, 50, 1));
    assertThrows(IllegalArgumentException.class, () -> Bootstrap.mean95(new double[] {1}, 0, 1));
  }

  @Test
  void twoValuesGiveTheirRange() {
    // resample means of {0, 1} are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4: the 2.5% and
    // 97.5% quantiles are 0 and 1
    Bootstrap.Interval i = Bootstrap.mean95(new double[] {0, 1}, 4000, 7);
    assertEquals(0.5, i.mean(), 1e-12);
    assertEquals(0.0, i.lower(), 1e-12);
    assertEquals(1.0, i.upper(), 1e-12);
  }

  @Test
  void matchesTheNormalIntervalOnALargeSampleAndIsSeeded() {
    double[] v = new double[100];
    for (int i = 0; i < 100; i++) {
      v[i] = i;
    }
    // sd of 0..99 (population) = sqrt((100^2 - 1) / 12) = 28.866; se = 2.8866; 1.96 se = 5.658
    Bootstrap.Interval a = Bootstrap.mean95(v, 20000, 11);
    assertEquals(49.5, a.mean(), 1e-12);
    assertEquals(49.5 - 5.658, a.lower(), 0.4);
    assertEquals(49.5 + 5.658, a.upper(), 0.4);
    assertEquals(a, Bootstrap.mean95(v, 20000, 11), "same seed, same interval");
    assertNotEquals(a.lower(), Bootstrap.mean95(v, 20000, 12).lower());
  }
}
