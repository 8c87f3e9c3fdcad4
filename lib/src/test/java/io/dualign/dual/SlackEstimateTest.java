package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.junit.jupiter.api.Test;

class SlackEstimateTest {
  @Test
  void relativeSlackSubtractsReferenceMeanAndThreshold() {
    Constraint c = new Constraint("safety", ConstraintForm.RELATIVE, 0.5);
    Moments policy = Moments.of(1, 2, 3, 4); // mean 2.5, se² = 5/12
    Moments ref = Moments.of(0, 2); // mean 1, var 2, se² = 1
    SlackEstimate s = new SlackEstimate(c, policy, ref);
    assertEquals(2.5 - 1.0 - 0.5, s.slack(), 1e-15);
    assertEquals(Math.sqrt(5.0 / 12.0 + 1.0), s.standardError(), 1e-15);
    assertEquals(1.0 - Moments.Z95 * Math.sqrt(17.0 / 12.0), s.lower95(), 1e-14);
    assertTrue(s.usable());
  }

  @Test
  void absoluteSlackComparesWithTheLevel() {
    Constraint c = new Constraint("safety", ConstraintForm.ABSOLUTE, -1.0);
    SlackEstimate s = new SlackEstimate(c, Moments.of(1, 2, 3, 4), Moments.EMPTY);
    assertEquals(3.5, s.slack(), 1e-15);
    assertEquals(Math.sqrt(5.0 / 12.0), s.standardError(), 1e-15);
    assertFalse(s.relative());
  }

  @Test
  void emptySamplesAreNotUsable() {
    Constraint c = new Constraint("safety", ConstraintForm.RELATIVE, 0.0);
    SlackEstimate noRef = new SlackEstimate(c, Moments.of(1, 2), Moments.EMPTY);
    assertFalse(noRef.usable());
    assertTrue(Double.isNaN(noRef.slack()));
    SlackEstimate noPolicy = new SlackEstimate(c, Moments.of(Double.NaN), Moments.of(1.0));
    assertFalse(noPolicy.usable());
  }
}
