package io.dualign.algo.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.PairLabels;
import io.dualign.config.ConfigError;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualSettings;
import io.dualign.config.DualignConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The align section and its methods: paper defaults, tiny sizes, rejected values, the registry. */
class AlignSettingsTest {
  @Test
  void defaultProfileHasThePaperSettings() {
    DualignConfig c = ConfigLoader.fromClasspath().load("default", null, List.of());
    assertEquals(4, c.align().iterations());
    assertEquals(0.1, c.dual().beta());
    assertEquals(1.0, c.rollout().temperature());
    assertEquals(0.9, c.rollout().topP());
    assertEquals(List.of("caid", "oneshot"), c.align().methods());
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
    assertThrows(ConfigError.class, () -> AlignMethods.of("ppo"));
    assertEquals("dpo-helpful", AlignMethods.of("dpo-helpful").cliName());
  }

  @Test
  void theRegistryHasEveryDeclaredNameInReportOrder() {
    assertEquals(List.of("caid", "oneshot", "dpo-helpful", "dpo-safe", "safe-rlhf"),
        AlignMethods.names());
    assertEquals(ConfigLoader.fromClasspath().declarations().get("align.methods").choices(),
        AlignMethods.names());
  }

  @Test
  void eachMethodIsItsParts() {
    DualSettings d = ConfigLoader.fromClasspath().load("tiny", null, List.of()).dual();
    double[] star = {0.7};
    AlignMethod caid = AlignMethods.of("caid");
    assertTrue(caid.labels().relabels() && caid.warmStart().needsLambdaStar());
    assertEquals(d.caidUpdate().toString(), caid.dualUpdate(d).orElseThrow().toString());
    assertTrue(caid.evaluatesEveryIteration());
    AlignMethod oneshot = AlignMethods.of("oneshot");
    assertTrue(oneshot.labels().relabels() && oneshot.dualUpdate(d).isEmpty());
    assertEquals(0.7, oneshot.warmStart().lambda(star, d)[0]);
    AlignMethod safe = AlignMethods.of("safe-rlhf");
    assertTrue(safe.labels().relabels() && !safe.warmStart().needsLambdaStar());
    assertEquals(d.safeRlhfLambdaInit(), safe.warmStart().lambda(null, d)[0]);
    assertEquals(d.safeRlhfUpdate().toString(), safe.dualUpdate(d).orElseThrow().toString());
    for (String n : List.of("dpo-helpful", "dpo-safe")) {
      AlignMethod m = AlignMethods.of(n);
      assertFalse(m.labels().relabels() || m.evaluatesEveryIteration());
      assertTrue(m.dualUpdate(d).isEmpty());
      assertEquals(0.0, m.warmStart().lambda(null, d)[0]);
    }
    assertEquals(PairLabels.fromData(PairLabels.BETTER), AlignMethods.of("dpo-helpful").labels());
    assertEquals(PairLabels.fromData(PairLabels.SAFER), AlignMethods.of("dpo-safe").labels());
  }
}
