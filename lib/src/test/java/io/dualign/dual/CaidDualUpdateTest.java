package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CaidDualUpdateTest {
  static final Constraint SAFETY = new Constraint("safety", ConstraintForm.ABSOLUTE, 0.0);
  static final Constraint HARM = new Constraint("harm", ConstraintForm.ABSOLUTE, 0.0);

  /** An estimate whose slack is exactly the mean of the given values (absolute form, c = 0). */
  static ConstraintEstimate slacks(double[]... values) {
    Constraint[] cs = {SAFETY, HARM};
    List<SlackEstimate> l = new java.util.ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      l.add(new SlackEstimate(cs[i], Moments.of(values[i]), Moments.EMPTY));
    }
    return new ConstraintEstimate(l);
  }

  @Test
  void violatedConstraintRaisesLambdaSlackOneLowersIt() {
    CaidDualUpdate u = new CaidDualUpdate(0.1, new double[] {10, 10}, 0);
    // û = (−1, +0.5): λ1 = 0.5 + 0.1·1 = 0.6, λ2 = 2 − 0.1·0.5 = 1.95
    DualState next = u.step(new DualState(1, new double[] {0.5, 2.0}),
        slacks(new double[] {-2, 0}, new double[] {0, 1}));
    assertEquals(2, next.iteration());
    assertArrayEquals(new double[] {0.6, 1.95}, next.lambda(), 1e-15);
  }

  @Test
  void projectionClampsToZeroAndToTheCap() {
    CaidDualUpdate u = new CaidDualUpdate(0.1, new double[] {10, 2.02}, 0);
    // λ1 = 0.02 − 0.1·0.5 = −0.03 → 0; λ2 = 2 + 0.1·3 = 2.3 → 2.02
    DualState next = u.step(new DualState(3, new double[] {0.02, 2.0}),
        slacks(new double[] {0.5}, new double[] {-3}));
    assertArrayEquals(new double[] {0.0, 2.02}, next.lambda(), 0.0);
  }

  @Test
  void delayHoldsLambda() {
    CaidDualUpdate u = new CaidDualUpdate(0.1, new double[] {10}, 2);
    DualState s1 = u.step(new DualState(1, new double[] {1.0}), slacks(new double[] {-1}));
    DualState s2 = u.step(s1, slacks(new double[] {-1}));
    DualState s3 = u.step(s2, slacks(new double[] {-1}));
    assertEquals(1.0, s1.lambda(0), 0.0);
    assertEquals(1.0, s2.lambda(0), 0.0);
    assertEquals(1.1, s3.lambda(0), 1e-15);
    assertEquals(4, s3.iteration());
  }

  @Test
  void refusesEmptyOrNonFiniteEstimatesNamingIterationAndCounts() {
    CaidDualUpdate u = new CaidDualUpdate(0.1, new double[] {10}, 0);
    DualState s = new DualState(3, new double[] {1.0});
    DualStepRefusedException e = assertThrows(DualStepRefusedException.class,
        () -> u.step(s, slacks(new double[] {Double.NaN, Double.POSITIVE_INFINITY})));
    assertTrue(e.getMessage().contains("iteration 3"), e.getMessage());
    assertTrue(e.getMessage().contains("safety"), e.getMessage());
    assertTrue(e.getMessage().contains("n = 0"), e.getMessage());
    assertTrue(e.getMessage().contains("(2 non-finite"), e.getMessage());
    Constraint rel = new Constraint("safety", ConstraintForm.RELATIVE, 0.0);
    ConstraintEstimate noRef = new ConstraintEstimate(
        List.of(new SlackEstimate(rel, Moments.of(1, 2), Moments.of(Double.NaN))));
    DualStepRefusedException e2 = assertThrows(DualStepRefusedException.class,
        () -> u.step(s, noRef));
    assertTrue(e2.getMessage().contains("n = 0 finite reference values (1 non-finite"),
        e2.getMessage());
  }

  @Test
  void rejectsBadSettingsAndMismatchedSizes() {
    assertThrows(IllegalArgumentException.class, () -> new CaidDualUpdate(0, new double[] {1}, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new CaidDualUpdate(0.1, new double[] {Double.POSITIVE_INFINITY}, 0));
    CaidDualUpdate u = new CaidDualUpdate(0.1, new double[] {1, 1}, 0);
    assertThrows(IllegalArgumentException.class,
        () -> u.step(new DualState(1, new double[] {0, 0}), slacks(new double[] {1})));
    assertThrows(IllegalArgumentException.class, () -> new DualState(1, new double[] {-1}));
    assertThrows(IllegalArgumentException.class, () -> new DualState(1, new double[] {Double.NaN}));
  }
}
