package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The scaler follows torch's GradScaler: skip and halve on overflow, double after N clean steps. */
class LossScalerTest {
  @Test
  void startsAtTorchsDefaults() {
    LossScaler s = LossScaler.dynamic();
    assertEquals(65536.0, s.scale());
    assertTrue(s.isDynamic());
    for (int i = 0; i < 1999; i++) {
      assertTrue(s.update(true));
    }
    assertEquals(65536.0, s.scale(), "no growth before 2000 clean steps");
    assertTrue(s.update(true));
    assertEquals(131072.0, s.scale(), "the 2000th clean step doubles S");
  }

  @Test
  void anOverflowSkipsTheStepHalvesTheScaleAndRestartsTheCount() {
    LossScaler s = LossScaler.dynamic(1024, 3);
    assertTrue(s.update(true));
    assertTrue(s.update(true));
    assertFalse(s.update(false));
    assertEquals(512.0, s.scale());
    assertEquals(1, s.skippedSteps());
    assertFalse(s.update(false));
    assertEquals(256.0, s.scale());
    assertEquals(2, s.skippedSteps());
    assertTrue(s.update(true));
    assertTrue(s.update(true));
    assertEquals(256.0, s.scale(), "two clean steps since the overflow: no growth yet");
    assertTrue(s.update(true));
    assertEquals(512.0, s.scale());
    assertEquals(2, s.skippedSteps());
  }

  @Test
  void aFixedScaleNeverChangesAndReportsOverflows() {
    LossScaler s = LossScaler.fixed(128);
    assertFalse(s.isDynamic());
    assertTrue(s.update(true));
    assertFalse(s.update(false));
    assertEquals(128.0, s.scale());
    assertEquals(0, s.skippedSteps());
  }

  @Test
  void theSettingAppliesOnlyToFloat16Training() {
    assertEquals(65536.0, LossScaler.forTraining("dynamic", true).scale());
    assertTrue(LossScaler.forTraining("dynamic", true).isDynamic());
    LossScaler fp32 = LossScaler.forTraining("dynamic", false);
    assertFalse(fp32.isDynamic());
    assertEquals(1.0, fp32.scale());
    assertEquals(1.0, LossScaler.forTraining("none", true).scale());
    assertEquals(1.0, LossScaler.forTraining("512", false).scale());
    assertEquals(512.0, LossScaler.forTraining("512", true).scale());
    assertFalse(LossScaler.forTraining("512", true).isDynamic());
  }

  @Test
  void refusesBadSettingsNamingThem() {
    for (String bad : new String[] {"auto", "0", "-4", "Infinity"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LossScaler.parse(bad));
      assertTrue(e.getMessage().contains("train.lossScale: '" + bad + "'"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class,
        () -> new OptimizerSettings(1e-3f, 0, 1, 0f, 0f, "sometimes"));
  }
}
