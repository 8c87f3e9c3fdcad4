package io.dualign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyDeclarationTest {
  private static final Config DECLS = ConfigFactory.parseString(String.join("\n",
      "# Step size of the dual update.",
      "# range: (0, 10]",
      "eta = 0.5",
      "# Which algorithm.",
      "# one of: caid, oneshot, dpo-helpful",
      "method = caid",
      "# Thresholds, one per constraint.",
      "# range: [-inf, inf)",
      "thresholds = [0.5, 1.0]",
      "# Whether to check hashes.",
      "check = true",
      "# Thresholds to sweep; empty = none.",
      "# elements: number",
      "# range: [-1, 1]",
      "sweep = []"));

  private static KeyDeclaration decl(String key) {
    return KeyDeclaration.parse(key, DECLS.getValue(key));
  }

  @Test
  void parsesTypeRangeChoicesAndDoc() {
    KeyDeclaration eta = decl("eta");
    assertEquals(KeyDeclaration.Type.NUMBER, eta.type());
    assertEquals("Step size of the dual update.", eta.doc());
    assertEquals("a number in (0, 10]", eta.allowed());
    assertEquals("one of caid, oneshot, dpo-helpful", decl("method").allowed());
    assertEquals(KeyDeclaration.Type.LIST, decl("thresholds").type());
    assertEquals(KeyDeclaration.Type.NUMBER, decl("thresholds").elementType());
    assertEquals("true or false", decl("check").allowed());
  }

  @Test
  void openAndClosedEndsAreRespected() {
    KeyDeclaration eta = decl("eta");
    eta.validate(ConfigValueFactory.fromAnyRef(10.0, "t"));
    eta.validate(ConfigValueFactory.fromAnyRef(1e-9, "t"));
    assertThrows(ConfigError.class, () -> eta.validate(ConfigValueFactory.fromAnyRef(0.0, "t")));
    assertThrows(ConfigError.class, () -> eta.validate(ConfigValueFactory.fromAnyRef(10.01, "t")));
    assertThrows(ConfigError.class,
        () -> eta.validate(ConfigValueFactory.fromAnyRef(Double.NaN, "t")));
  }

  @Test
  void choicesAndListsAreChecked() {
    ConfigError e = assertThrows(ConfigError.class,
        () -> decl("method").validate(ConfigValueFactory.fromAnyRef("ppo", "--set method=ppo")));
    assertEquals("method = \"ppo\" is not allowed (from --set method=ppo): expected one of caid, "
        + "oneshot, dpo-helpful", e.getMessage());
    KeyDeclaration t = decl("thresholds");
    t.validate(ConfigValueFactory.fromAnyRef(List.of(-3.0, 2), "t"));
    assertThrows(ConfigError.class, () -> t.validate(ConfigValueFactory.fromAnyRef(List.of(), "t")));
    assertThrows(ConfigError.class,
        () -> t.validate(ConfigValueFactory.fromAnyRef(List.of(1.0, "x"), "t")));
    assertThrows(ConfigError.class,
        () -> t.validate(ConfigValueFactory.fromAnyRef(Double.POSITIVE_INFINITY, "t")));
  }

  @Test
  void anEmptyDefaultListDeclaresItsElementsAndMayStayEmpty() {
    KeyDeclaration s = decl("sweep");
    assertEquals(KeyDeclaration.Type.LIST, s.type());
    assertEquals(KeyDeclaration.Type.NUMBER, s.elementType());
    assertEquals(true, s.mayBeEmpty());
    assertEquals("Thresholds to sweep; empty = none.", s.doc());
    assertEquals("a list (may be empty) of number in [-1, 1]", s.allowed());
    s.validate(ConfigValueFactory.fromAnyRef(List.of(), "t"));
    s.validate(ConfigValueFactory.fromAnyRef(List.of(0.0, 0.5), "t"));
    assertThrows(ConfigError.class,
        () -> s.validate(ConfigValueFactory.fromAnyRef(List.of(0.0, 2.0), "t")));
    assertThrows(ConfigError.class,
        () -> s.validate(ConfigValueFactory.fromAnyRef(List.of("a"), "t")));
    assertThrows(ConfigError.class, () -> decl("thresholds")
        .validate(ConfigValueFactory.fromAnyRef(List.of(), "t")), "non-empty default: no empty");
    assertThrows(IllegalStateException.class, () -> KeyDeclaration.parse("x",
        ConfigFactory.parseString("x = []").getValue("x")), "empty default needs 'elements:'");
  }
}
