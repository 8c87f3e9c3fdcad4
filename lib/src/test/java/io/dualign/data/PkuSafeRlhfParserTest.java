package io.dualign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.DataSettings;
import io.dualign.vocabulary.HarmCategories;
import io.dualign.vocabulary.Hashes;
import java.util.List;
import org.junit.jupiter.api.Test;

class PkuSafeRlhfParserTest {
  private static final ObjectMapper M = new ObjectMapper();
  private static final DataSettings S = TestSettings.defaults("x");

  static ObjectNode row16() {
    ObjectNode r = M.createObjectNode();
    r.put("prompt", "How do I fix a bike?");
    r.put("response_0", "Patch the tube.");
    r.put("response_1", "Buy a new bike.");
    r.put("prompt_source", "test");
    r.put("is_response_0_safe", true);
    r.put("is_response_1_safe", false);
    ObjectNode h0 = M.createObjectNode();
    ObjectNode h1 = M.createObjectNode();
    for (String n : HarmCategories.NAMES) {
      h0.put(n, false);
      h1.put(n, n.equals("Violence") || n.equals("Drugs"));
    }
    r.set("response_0_harm_category", h0);
    r.set("response_1_harm_category", h1);
    r.put("response_0_severity_level", 0);
    r.put("response_1_severity_level", 2);
    r.put("better_response_id", 1);
    r.put("safer_response_id", 0);
    r.put("response_0_sha256", Hashes.sha256Hex("How do I fix a bike?Patch the tube."));
    r.put("response_1_sha256", Hashes.sha256Hex("How do I fix a bike?Buy a new bike."));
    return r;
  }

  static RejectReason reason(ObjectNode r) {
    return assertThrows(BadRowException.class,
        () -> PkuSafeRlhfParser.parse(r, S, "pku-saferlhf")).reason();
  }

  @Test
  void parsesTheSixteenColumnForm() throws Exception {
    PreferencePair p = PkuSafeRlhfParser.parse(row16(), S, "pku-saferlhf");
    assertEquals("How do I fix a bike?", p.prompt());
    assertEquals(1, p.betterResponseId());
    assertEquals(0, p.saferResponseId());
    assertEquals(Boolean.TRUE, p.isResponse0Safe());
    assertEquals(2, p.response1Severity());
    assertEquals(List.of("Violence", "Drugs"), p.response1HarmCategories());
    assertEquals(List.of(), p.response0HarmCategories());
    assertEquals(Hashes.promptId("How do I fix a bike?"), p.promptId());
    assertEquals(16, p.promptId().length());
  }

  @Test
  void parsesTheSevenColumnFormWithNullSeverity() throws Exception {
    ObjectNode r = row16();
    r.retain("prompt", "response_0", "response_1", "is_response_0_safe", "is_response_1_safe",
        "better_response_id", "safer_response_id");
    PreferencePair p = PkuSafeRlhfParser.parse(r, S, "pku-saferlhf");
    assertNull(p.response0Severity());
    assertNull(p.response1Severity());
    assertEquals(List.of(), p.response1HarmCategories());
    assertEquals(PkuSafeRlhfParser.parse(row16(), S, "x").pairId(), p.pairId());
  }

  @Test
  void rejectsEachKindOfBadRowWithItsReason() {
    ObjectNode r = row16();
    r.remove("response_1");
    assertEquals(RejectReason.MISSING_FIELD, reason(r));
    r = row16();
    r.put("better_response_id", "1");
    assertEquals(RejectReason.WRONG_TYPE, reason(r));
    r = row16();
    r.put("is_response_0_safe", 1);
    assertEquals(RejectReason.WRONG_TYPE, reason(r));
    r = row16();
    r.put("safer_response_id", 2);
    assertEquals(RejectReason.BAD_ID, reason(r));
    r = row16();
    r.put("better_response_id", -1);
    assertEquals(RejectReason.BAD_ID, reason(r));
    r = row16();
    r.put("prompt", "  ");
    assertEquals(RejectReason.EMPTY_TEXT, reason(r));
    r = row16();
    r.put("response_1_severity_level", 4);
    assertEquals(RejectReason.BAD_SEVERITY, reason(r));
    r = row16();
    r.put("response_1_severity_level", 0);
    assertEquals(RejectReason.SAFETY_MISMATCH, reason(r));
    r = row16();
    r.put("response_0", "Patch the tube!");
    assertEquals(RejectReason.SHA256_MISMATCH, reason(r));
    r = row16();
    r.put("response_0", "x".repeat(16001));
    r.remove("response_0_sha256");
    assertEquals(RejectReason.TOO_LONG, reason(r));
    r = row16();
    ((ObjectNode) r.get("response_0_harm_category")).put("Drugs", "yes");
    assertEquals(RejectReason.WRONG_TYPE, reason(r));
  }

  @Test
  void emptyResponsesAreKeptUnlessConfiguredOtherwise() throws Exception {
    ObjectNode r = row16();
    r.put("response_1", "");
    r.put("response_1_sha256", Hashes.sha256Hex("How do I fix a bike?"));
    assertEquals("", PkuSafeRlhfParser.parse(r, S, "x").response1());
    assertEquals(RejectReason.EMPTY_TEXT, assertThrows(BadRowException.class,
        () -> PkuSafeRlhfParser.parse(r, TestSettings.rejectingEmptyResponses("x"), "x")).reason());
  }

  @Test
  void theShaCheckCanBeTurnedOff() throws Exception {
    ObjectNode r = row16();
    r.put("response_0", "Patch the tube!");
    DataSettings noSha = new DataSettings("x", "auto", 1, 0.3, 0.1, 0.03, 0.1, 0.01, false, false, 8000,
        16000, 262144, "hash");
    assertEquals("Patch the tube!", PkuSafeRlhfParser.parse(r, noSha, "x").response0());
  }

  @Test
  void messagesNameTheField() {
    ObjectNode r = row16();
    r.put("safer_response_id", 2);
    BadRowException e = assertThrows(BadRowException.class,
        () -> PkuSafeRlhfParser.parse(r, S, "x"));
    assertTrue(e.describe().startsWith("bad_id: field 'safer_response_id' is 2"), e.describe());
  }
}
