package io.dualign.model.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class BundleTokenizerTest {

  @Test
  void encodesLikeTheRecordedIds() throws Exception {
    try (BundleTokenizer tok = BundleTokenizer.load(TorchScriptBundle.open(Reference.POLICY))) {
      JsonNode texts = Reference.JSON.get("tokenizer").get("texts");
      JsonNode ids = Reference.JSON.get("tokenizer").get("ids");
      for (int i = 0; i < texts.size(); i++) {
        assertArrayEquals(Reference.longs(ids.get(i)), tok.encode(texts.get(i).asText(), true), texts.get(i).asText());
      }
      assertEquals(Reference.number("eos_token_id"), tok.eosId());
      assertEquals(Reference.number("pad_token_id"), tok.padId());
    }
  }

  @Test
  void responsesEndWithEosAndPromptPlusResponseGivesTheRecordedRows() throws Exception {
    try (BundleTokenizer tok = BundleTokenizer.load(TorchScriptBundle.open(Reference.POLICY))) {
      long[] prompt = tok.encode("BEGINNING OF CONVERSATION: USER: is it safe to pick a lock? ASSISTANT:", true);
      long[] response = tok.encodeResponse(" no, that is illegal.", true);
      assertArrayEquals(Reference.rows("prompt_ids").get(1), prompt);
      assertArrayEquals(Reference.rows("response_ids").get(1), response);
      assertEquals(tok.eosId(), response[response.length - 1]);
      assertEquals("no , that is illegal .", tok.decode(response, true));
    }
  }
}
