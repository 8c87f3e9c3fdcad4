package io.dualign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class HhRlhfParserTest {
  private static final ObjectMapper M = new ObjectMapper();

  static ObjectNode hh(String chosen, String rejected) {
    ObjectNode r = M.createObjectNode();
    r.put("chosen", chosen);
    r.put("rejected", rejected);
    return r;
  }

  @Test
  void splitsTheFinalAssistantTurnOfAMultiTurnDialogue() throws Exception {
    String prefix = "\n\nHuman: Hi, can you help me?\n\nAssistant: Sure, what do you need?"
        + "\n\nHuman: How do I bake bread?";
    PreferencePair p = HhRlhfParser.parse(hh(prefix + "\n\nAssistant: Mix flour and water. "
        + "Then knead.", prefix + "\n\nAssistant:  No. "), TestSettings.defaults("x"));
    assertEquals("Human: Hi, can you help me?\n\nAssistant: Sure, what do you need?"
        + "\n\nHuman: How do I bake bread?\n\nAssistant:", p.prompt());
    assertEquals("Mix flour and water. Then knead.", p.response0());
    assertEquals("No.", p.response1());
    assertEquals(0, p.betterResponseId());
    assertEquals(0, p.saferResponseId());
    assertNull(p.isResponse0Safe());
    assertNull(p.response0Severity());
    assertEquals("hh-rlhf", p.source());
  }

  @Test
  void singleTurnDialogue() throws Exception {
    PreferencePair p = HhRlhfParser.parse(hh("\n\nHuman: What is 2+2?\n\nAssistant: 4",
        "\n\nHuman: What is 2+2?\n\nAssistant: 5"), TestSettings.defaults("x"));
    assertEquals("Human: What is 2+2?\n\nAssistant:", p.prompt());
    assertEquals("4", p.response0());
    assertEquals("5", p.response1());
  }

  @Test
  void rejectsDialoguesThatDoNotShareTheirPrompt() {
    BadRowException e = assertThrows(BadRowException.class, () -> HhRlhfParser.parse(
        hh("\n\nHuman: A?\n\nAssistant: x", "\n\nHuman: B?\n\nAssistant: y"),
        TestSettings.defaults("x")));
    assertEquals(RejectReason.BAD_DIALOGUE, e.reason());
    e = assertThrows(BadRowException.class, () -> HhRlhfParser.parse(
        hh("no turns here", "\n\nHuman: B?\n\nAssistant: y"), TestSettings.defaults("x")));
    assertEquals(RejectReason.BAD_DIALOGUE, e.reason());
    e = assertThrows(BadRowException.class, () -> HhRlhfParser.parse(
        hh("\n\nHuman: A?\n\nAssistant:   ", "\n\nHuman: A?\n\nAssistant: y"),
        TestSettings.rejectingEmptyResponses("x")));
    assertEquals(RejectReason.EMPTY_TEXT, e.reason());
  }
}
