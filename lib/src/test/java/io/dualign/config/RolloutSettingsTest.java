package io.dualign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.UtilityScorer;
import io.dualign.vocabulary.ScorerRole;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutSettingsTest {
  static DualignConfig load(String profile, String... sets) {
    return ConfigLoader.fromClasspath().load(profile, null, List.of(sets));
  }

  @Test
  void defaultsAndTinyProfile() {
    RolloutSettings d = load("default").rollout();
    assertEquals(64, d.prompts());
    assertEquals(8, d.samples());
    RolloutSettings large = load("large").rollout();
    assertEquals(128, large.prompts());
    assertEquals(16, large.samples());
    assertEquals(1.0, d.temperature(), 0.0);
    assertEquals(0.9, d.topP(), 0.0);
    assertEquals(List.of(new UtilityScorer("safety", ScorerRole.COST, -1)),
        d.scorersFor(load("default").dual()));
    assertTrue(d.goldScoresFor("synthetic"));
    assertFalse(d.goldScoresFor("/data/pku.jsonl"));
    RolloutSettings t = load("tiny").rollout();
    assertEquals(12, t.prompts());
    assertEquals(4, t.samples());
    assertEquals(2, t.partitions());
  }

  @Test
  void scorersAreCheckedAgainstTheConstraints() {
    DualignConfig two = load("default", "dual.constraints=[safety,honesty]",
        "dual.forms=[relative,absolute]", "dual.thresholds=[0.5,-2]", "dual.lambdaMax=[10,20]",
        "dual.lambdaInit=[0,0]", "rollout.utilityScorers=[\"honesty=reward\", \"safety=-cost\"]");
    List<UtilityScorer> s = two.rollout().scorersFor(two.dual());
    assertEquals("safety=-cost", s.get(0).toString());
    assertEquals(new UtilityScorer("honesty", ScorerRole.REWARD, 1), s.get(1));
    assertEquals(-3.0, s.get(0).utility(3.0), 0.0);

    DualignConfig missing = load("default", "dual.constraints=[safety,honesty]",
        "dual.forms=[relative,absolute]", "dual.thresholds=[0.5,-2]", "dual.lambdaMax=[10,20]",
        "dual.lambdaInit=[0,0]");
    ConfigError e = assertThrows(ConfigError.class,
        () -> missing.rollout().scorersFor(missing.dual()));
    assertTrue(e.getMessage().contains("no scorer for constraint 'honesty'"), e.getMessage());

    DualignConfig extra = load("default", "rollout.utilityScorers=[\"safety=-cost\", \"x=cost\"]");
    e = assertThrows(ConfigError.class, () -> extra.rollout().scorersFor(extra.dual()));
    assertTrue(e.getMessage().contains("[x], not in dual.constraints [safety]"), e.getMessage());

    e = assertThrows(ConfigError.class,
        () -> load("default", "rollout.utilityScorers=[\"safety=-harm\"]"));
    assertTrue(e.getMessage().contains("rollout.utilityScorers[0]: unknown score model 'harm'"),
        e.getMessage());
    e = assertThrows(ConfigError.class,
        () -> load("default", "rollout.utilityScorers=[\"safety=-cost\", \"safety=reward\"]"));
    assertTrue(e.getMessage().contains("twice"), e.getMessage());
    e = assertThrows(ConfigError.class, () -> load("default", "rollout.maxNewTokens=200"));
    assertTrue(e.getMessage().contains("rollout.maxNewTokens 200"), e.getMessage());
  }
}
