package io.dualign.algo.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigError;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The align section: paper defaults in the default profile, tiny sizes, rejected values. */
class AlignSettingsTest {
  @Test
  void defaultProfileHasThePaperSettings() {
    DualignConfig c = ConfigLoader.fromClasspath().load("default", null, List.of());
    assertEquals(4, c.align().iterations());
    assertEquals(0.1, c.dual().beta());
    assertEquals(1.0, c.rollout().temperature());
    assertEquals(0.9, c.rollout().topP());
    assertEquals(List.of(AlignMethod.CAID, AlignMethod.ONESHOT), c.align().methods());
  }

  @Test
  void tinyProfileIsSmall() {
    DualignConfig c = ConfigLoader.fromClasspath().load("tiny", null, List.of());
    assertEquals(2, c.align().iterations());
    assertTrue(c.align().maxPairs() > 0 && c.align().maxPairs() <= 256);
  }

  @Test
  void methodsAreCheckedAtLoad() {
    ConfigError bad = assertThrows(ConfigError.class, () -> ConfigLoader.fromClasspath()
        .load("tiny", null, List.of("align.methods=[caid, ppo]")));
    assertTrue(bad.getMessage().contains("align.methods"), bad.getMessage());
    assertThrows(ConfigError.class, () -> ConfigLoader.fromClasspath()
        .load("tiny", null, List.of("align.methods=[caid, caid]")));
    assertThrows(ConfigError.class, () -> AlignMethod.of("ppo"));
    assertEquals(AlignMethod.DPO_HELPFUL, AlignMethod.of("dpo-helpful"));
    assertTrue(AlignMethod.CAID.dualSteps() && AlignMethod.CAID.relabels());
    assertTrue(AlignMethod.ONESHOT.relabels() && !AlignMethod.ONESHOT.dualSteps());
    assertFalse(AlignMethod.DPO_SAFE.relabels());
  }
}
