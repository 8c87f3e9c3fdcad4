package io.dualign.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.ConstraintForm;
import io.dualign.dual.DualStep;
import io.dualign.dual.OneShotDualSolver;
import java.util.List;
import org.junit.jupiter.api.Test;

class DualSettingsTest {
  static DualSettings load(String... sets) {
    return ConfigLoader.fromClasspath().load("default", null, List.of(sets)).dual();
  }

  @Test
  void defaults() {
    DualSettings d = load();
    assertEquals(1, d.size());
    assertEquals("safety", d.constraints().get(0).name());
    assertEquals("utility_safety", d.constraints().get(0).column());
    assertEquals(ConstraintForm.RELATIVE, d.constraints().get(0).form());
    assertEquals(0.1, d.beta(), 0.0);
    assertEquals(0.5, d.eta(), 0.0, "the default profile's step (conf/profiles/default.conf)");
    assertEquals(0.05, ConfigLoader.fromClasspath().load("large", null, List.of()).dual().eta(),
        0.0, "the reference step of conf/dualign.conf");
    assertEquals(1.0, d.relabelTemperature(), 0.0);
    assertEquals(OneShotDualSolver.Method.NEWTON, d.oneShotMethod());
    assertEquals("CaidDualUpdate[η=0.5, λ_max=[50.0], delay=0]", d.caidUpdate().toString());
    // Safe RLHF's own cap (its lambda_max, 5), not CAID's dual.lambdaMax.
    assertEquals(new io.dualign.dual.SafeRlhfDualUpdate(0.1, new double[] {5.0}, 0),
        d.safeRlhfUpdate());
  }

  @Test
  void safeRlhfHasItsOwnCapOnEveryConstraint() {
    DualSettings two = load("dual.constraints=[safety,honesty]", "dual.forms=[relative,absolute]",
        "dual.thresholds=[1,0]", "dual.lambdaMax=[50,20]", "dual.lambdaInit=[0,0]");
    assertArrayEquals(new double[] {5, 5}, two.safeRlhfUpdate().lambdaMax(), 0.0);
    assertArrayEquals(new double[] {50, 20}, two.caidUpdate().lambdaMax(), 0.0);
    assertArrayEquals(new double[] {2}, load("dual.safeRlhf.lambdaMax=2").safeRlhfUpdate()
        .lambdaMax(), 0.0);
    ConfigError e = assertThrows(ConfigError.class,
        () -> load("dual.safeRlhf.lambdaInit=3", "dual.safeRlhf.lambdaMax=2"));
    assertEquals("dual.safeRlhf.lambdaInit = 3.0 exceeds dual.safeRlhf.lambdaMax = 2.0",
        e.getMessage());
  }

  @Test
  void twoConstraintsAndDecimalOverridesOfWholeDefaults() {
    DualSettings d = load("dual.constraints=[safety,honesty]", "dual.forms=[relative,absolute]",
        "dual.thresholds=[0.5,-2]", "dual.lambdaMax=[10.5,20]", "dual.lambdaInit=[0.25,0]",
        "dual.relabelTemperature=0.5", "dual.oneShot.method=gradient");
    assertEquals(2, d.size());
    assertEquals(ConstraintForm.ABSOLUTE, d.constraints().get(1).form());
    assertEquals(-2.0, d.constraints().get(1).threshold(), 0.0);
    assertEquals(10.5, d.lambdaMaxArray()[0], 0.0);
    assertEquals(0.25, d.lambdaInitArray()[0], 0.0);
    assertEquals(0.5, d.relabelTemperature(), 0.0);
    assertEquals(OneShotDualSolver.Method.GRADIENT, d.oneShotOptions().method());
  }

  @Test
  void unequalParallelListsNameTheKeys() {
    ConfigError e = assertThrows(ConfigError.class,
        () -> load("dual.constraints=[safety,honesty]"));
    assertTrue(e.getMessage().contains("dual.constraints has 2 entries but dual.forms has 1"),
        e.getMessage());
    assertTrue(e.getMessage().contains("dual.lambdaMax"), e.getMessage());
  }

  @Test
  void badValuesAreRejectedWithTheKey() {
    ConfigError form = assertThrows(ConfigError.class, () -> load("dual.forms=[relatve]"));
    assertTrue(form.getMessage().startsWith("dual.forms"), form.getMessage());
    ConfigError name = assertThrows(ConfigError.class, () -> load("dual.constraints=[Safety]"));
    assertTrue(name.getMessage().contains("dual.constraints[0]"), name.getMessage());
    ConfigError dup = assertThrows(ConfigError.class, () -> load(
        "dual.constraints=[safety,safety]", "dual.forms=[relative,relative]",
        "dual.thresholds=[0,0]", "dual.lambdaMax=[1,1]", "dual.lambdaInit=[0,0]"));
    assertTrue(dup.getMessage().contains("twice"), dup.getMessage());
    ConfigError init = assertThrows(ConfigError.class,
        () -> load("dual.lambdaInit=[60]"));
    assertTrue(init.getMessage().contains("dual.lambdaInit[0]"), init.getMessage());
    assertThrows(ConfigError.class, () -> load("dual.eta=0"));
  }

  @Test
  void wholeValuedDecimalDefaultsDeclareNumbersAndIntegersStayIntegers() {
    java.util.Map<String, KeyDeclaration> d = ConfigLoader.fromClasspath().declarations();
    assertEquals(KeyDeclaration.Type.NUMBER, d.get("dual.relabelTemperature").type());
    assertEquals(KeyDeclaration.Type.NUMBER, d.get("dual.thresholds").elementType());
    assertEquals(KeyDeclaration.Type.NUMBER, d.get("dual.oneShot.tolerance").type());
    assertEquals(KeyDeclaration.Type.INTEGER, d.get("dual.delay").type());
    assertEquals(KeyDeclaration.Type.INTEGER, d.get("run.seed").type());
    ConfigError e = assertThrows(ConfigError.class, () -> load("dual.delay=0.5"));
    assertTrue(e.getMessage().startsWith("dual.delay"), e.getMessage());
  }

  @Test
  void theSettingsSectionBuildsBothSteps() {
    DualSettings d = ConfigLoader.fromClasspath().load("default", null, List.of()).dual();
    assertEquals(new DualStep("η", d.eta(), d.lambdaMaxArray(), d.delay()), d.caidStep());
    assertEquals(d.safeRlhfAlpha(), d.safeRlhfStep().size(), 0.0);
    assertEquals(d.safeRlhfLambdaMax(), d.safeRlhfStep().cap(0), 0.0);
    assertEquals(d.caidStep(), d.caidUpdate().settings());
    assertEquals(d.safeRlhfStep(), d.safeRlhfUpdate().settings());
  }
}
