package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MomentsTest {
  @Test
  void handDerivedMomentsStandardErrorAndInterval() {
    Moments m = Moments.of(1, 2, 3, 4);
    assertEquals(4, m.count());
    assertEquals(2.5, m.mean(), 0.0);
    assertEquals(5.0, m.m2(), 1e-15); // 2.25 + 0.25 + 0.25 + 2.25
    assertEquals(5.0 / 3.0, m.variance(), 1e-15);
    assertEquals(Math.sqrt(5.0 / 12.0), m.standardError(), 1e-15);
    assertEquals(2.5 - 1.959963984540054 * Math.sqrt(5.0 / 12.0), m.lower95(), 1e-14);
    assertEquals(2.5 + 1.959963984540054 * Math.sqrt(5.0 / 12.0), m.upper95(), 1e-14);
  }

  @Test
  void mergeOfHalvesEqualsWholeAtEverySplit() {
    Random rnd = new Random(7);
    double[] x = new double[101];
    for (int i = 0; i < x.length; i++) {
      x[i] = 3.0 + 2.0 * rnd.nextGaussian();
    }
    Moments whole = Moments.of(x);
    for (int split = 0; split <= x.length; split++) {
      Moments a = Moments.of(Arrays.copyOfRange(x, 0, split));
      Moments b = Moments.of(Arrays.copyOfRange(x, split, x.length));
      Moments merged = a.merge(b);
      assertEquals(whole.count(), merged.count(), "split " + split);
      assertEquals(whole.mean(), merged.mean(), 1e-13, "split " + split);
      assertEquals(whole.m2(), merged.m2(), 1e-10 * whole.m2(), "split " + split);
      Moments reversed = b.merge(a);
      assertEquals(whole.mean(), reversed.mean(), 1e-13);
      assertEquals(whole.m2(), reversed.m2(), 1e-10 * whole.m2());
    }
  }

  @Test
  void welfordMatchesTwoPassAndSurvivesALargeOffset() {
    double[] x = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
    Moments m = Moments.of(x);
    assertEquals(1e9 + 10, m.mean(), 0.0);
    assertEquals(90.0, m.m2(), 1e-6); // 36 + 9 + 9 + 36; naive Σx² − n·mean² loses it
    assertEquals(30.0, m.variance(), 1e-6);
  }

  @Test
  void nonFiniteValuesAreCountedNotFolded() {
    Moments m = Moments.of(1, Double.NaN, 3, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY);
    assertEquals(2, m.count());
    assertEquals(3, m.nonFinite());
    assertEquals(2.0, m.mean(), 0.0);
    assertEquals(2.0, m.m2(), 0.0);
    Moments merged = m.merge(Moments.of(Double.NaN, 5));
    assertEquals(3, merged.count());
    assertEquals(4, merged.nonFinite());
    assertEquals(3.0, merged.mean(), 1e-15);
    MomentsAccumulator a = new MomentsAccumulator();
    a.addMissing();
    assertEquals(1, a.snapshot().nonFinite());
  }

  @Test
  void emptyAndSingleValueSamplesHaveNaNWhereUndefined() {
    Moments e = Moments.of();
    assertEquals(0, e.count());
    assertTrue(Double.isNaN(e.mean()));
    assertTrue(Double.isNaN(e.variance()));
    assertTrue(Double.isNaN(e.standardError()));
    Moments one = Moments.of(5.0);
    assertEquals(5.0, one.mean(), 0.0);
    assertEquals(0.0, one.m2(), 0.0);
    assertTrue(Double.isNaN(one.variance()));
    assertTrue(Double.isNaN(one.lower95()));
    Moments merged = e.merge(one);
    assertEquals(one, merged);
    assertEquals(one, one.merge(Moments.EMPTY));
  }

  @Test
  void fromAggregatesRebuildsM2() {
    Moments m = Moments.fromAggregates(4, 2.5, 5.0 / 3.0, 2);
    assertEquals(5.0, m.m2(), 1e-15);
    assertEquals(2, m.nonFinite());
    Moments one = Moments.fromAggregates(1, 7.0, null, 0);
    assertEquals(0.0, one.m2(), 0.0);
    assertTrue(Double.isNaN(Moments.fromAggregates(0, null, null, 3).mean()));
  }
}
