package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DualStepTest {
  @Test
  void bothUpdatesShareTheSettingsTheyAreBuiltFrom() {
    DualStep caid = new DualStep("η", 0.5, new double[] {10, 20}, 1);
    assertEquals(new CaidDualUpdate(0.5, new double[] {10, 20}, 1), new CaidDualUpdate(caid));
    assertEquals("CaidDualUpdate[η=0.5, λ_max=[10.0, 20.0], delay=1]",
        new CaidDualUpdate(caid).toString());
    assertEquals("SafeRlhfDualUpdate[α=0.1, λ_max=[5.0], delay=0]",
        new SafeRlhfDualUpdate(0.1, new double[] {5}, 0).toString());
    assertNotEquals(caid, new DualStep("η", 0.5, new double[] {10, 21}, 1));
    assertEquals(caid.hashCode(), new DualStep("η", 0.5, new double[] {10, 20}, 1).hashCode());
    assertFalse(caid.moves(new DualState(1, new double[] {0, 0})));
    assertTrue(caid.moves(new DualState(2, new double[] {0, 0})));
    double[] caps = caid.lambdaMax();
    caps[0] = 99;
    assertEquals(10, caid.cap(0), 0.0, "the caps are copied out");
  }

  @Test
  void badSettingsAreRefusedWithTheirValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new DualStep("α", Double.NaN, new double[] {1}, 0));
    assertTrue(e.getMessage().contains("α must be finite and > 0, was NaN"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new DualStep("η", 1, new double[] {1, 0}, 0));
    assertTrue(e.getMessage().contains("λ_max[1] must be finite and > 0, was 0.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new DualStep("η", 1, new double[] {1}, -1));
    assertTrue(e.getMessage().contains("delay must be >= 0, was -1"), e.getMessage());
  }
}
