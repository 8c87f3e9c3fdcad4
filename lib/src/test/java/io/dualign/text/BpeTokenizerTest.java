package io.dualign.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTokenizerTest {
  static List<String> corpus() {
    List<String> texts = new ArrayList<>();
    String[] words = {"the", "safe", "answer", "is", "to", "help", "people", "never", "harm",
        "anyone", "please", "ask", "a", "doctor", "police", "weapon", "question"};
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < 300; i++) {
      StringBuilder sb = new StringBuilder();
      for (int w = 0; w < 12; w++) {
        sb.append(w == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
      }
      texts.add(sb.append('.').toString());
    }
    return texts;
  }

  @Test
  void trainedTokenizerLoadsThroughHuggingFaceAndRoundTrips(@TempDir Path dir) throws Exception {
    BpeTrainer.Vocabulary v = new BpeTrainer(320).train(corpus());
    assertEquals(320, v.tokens().size());
    Path file = dir.resolve("tokenizer.json");
    v.write(file);
    try (TextTokenizer tok = TextTokenizer.load(file)) {
      assertEquals(0, tok.eosId());
      assertEquals(1, tok.padId());
      assertEquals(320, tok.vocabSize());
      String text = "the safe answer is to ask a doctor, ünïcødé 漢字 and\ttabs  ";
      long[] ids = tok.encode(text);
      assertEquals(text, tok.decode(ids));
      for (long id : ids) {
        assertTrue(id >= 2 && id < 320, "id " + id);
      }
      // Learnt merges compress seen words: "the safe answer" is far fewer tokens than bytes.
      long[] seen = tok.encode("the safe answer is to help people");
      assertTrue(seen.length <= 33 / 3, "tokens: " + seen.length); // 33 bytes
      // A learnt merge is one token.
      assertEquals(1, tok.encode(" people").length);
      // EOS survives encoding as a single id and is dropped on decode.
      long[] withEos = {ids[0], 0};
      assertEquals(tok.decode(new long[] {ids[0]}), tok.decode(withEos));
      assertEquals("the", new String(tok.decode(tok.encode("the")).getBytes(StandardCharsets.UTF_8),
          StandardCharsets.UTF_8));
    }
  }

  @Test
  void trainingIsDeterministic() {
    BpeTrainer.Vocabulary a = new BpeTrainer(300).train(corpus());
    BpeTrainer.Vocabulary b = new BpeTrainer(300).train(corpus());
    assertEquals(a.tokens(), b.tokens());
  }

  @Test
  void longPromptsAreTruncatedAndCounted(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("tokenizer.json");
    new BpeTrainer(400).train(corpus()).write(file);
    try (TextTokenizer tok = TextTokenizer.load(file)) {
      PromptEncoder enc = new PromptEncoder(tok, ChatTemplate.SAFE_RLHF, 60, 6);
      PromptEncoder.Encoded shortOne = enc.prompt("is it safe?");
      assertEquals(0, shortOne.droppedTokens());
      assertEquals("BEGINNING OF CONVERSATION: USER: is it safe? ASSISTANT:",
          tok.decode(shortOne.ids()));
      String longPrompt = String.join(" ", corpus().subList(0, 5));
      PromptEncoder.Encoded cut = enc.prompt(longPrompt);
      assertEquals(60, cut.ids().length);
      assertTrue(cut.truncated());
      assertEquals(tok.encode(ChatTemplate.SAFE_RLHF.format(longPrompt)).length - 60,
          cut.droppedTokens());
      String text = tok.decode(cut.ids());
      assertTrue(text.startsWith("BEGINNING OF CONVERSATION: USER: " + longPrompt.substring(0, 10)));
      assertTrue(text.endsWith(" ASSISTANT:"), text);
      PromptEncoder.Encoded resp = enc.response("the");
      assertArrayEquals(new long[] {tok.encode("the")[0], tok.eosId()}, resp.ids());
      PromptEncoder.Encoded longResp = enc.response(corpus().get(0));
      assertEquals(6, longResp.ids().length);
      assertTrue(longResp.truncated());
    }
    assertThrows(IllegalArgumentException.class, () -> new ChatTemplate("no placeholder"));
  }
}
