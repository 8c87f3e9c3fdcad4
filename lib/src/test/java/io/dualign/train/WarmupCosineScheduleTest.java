package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WarmupCosineScheduleTest {
  @Test
  void warmsUpLinearlyThenFollowsAHalfCosine() {
    WarmupCosineSchedule s = new WarmupCosineSchedule(1e-3f, 1e-4f, 10, 110);
    assertEquals(1e-4, s.getNewValue(1), 1e-9);
    assertEquals(5e-4, s.getNewValue(5), 1e-9);
    assertEquals(1e-3, s.getNewValue(10), 1e-9);
    assertEquals(1e-4 + 0.9e-3 * 0.5, s.getNewValue(60), 1e-8); // half way: cos(π/2) = 0
    assertEquals(1e-4 + 0.9e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.25)), s.getNewValue(35), 1e-8);
    assertEquals(1e-4, s.getNewValue(110), 1e-9);
    assertEquals(1e-4, s.getNewValue(500), 1e-9);
  }
}
