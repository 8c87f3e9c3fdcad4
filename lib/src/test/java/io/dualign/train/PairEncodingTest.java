package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.DataSettings;
import io.dualign.data.PkuSafeRlhfParser;
import io.dualign.data.PreferencePair;
import io.dualign.text.BpeTrainer;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.text.TextTokenizer;
import io.dualign.vocabulary.HarmCategories;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PKU-SafeRLHF's labels, from hand-made rows in both of its forms through the prepare parser to
 * the preference examples the score models train on: the reward model's preferred response is
 * {@code better_response_id}'s, the cost model's is {@code safer_response_id}'s, and each side
 * keeps its own {@code is_response_k_safe} label (the cost signs come from these).
 */
class PairEncodingTest {
  private static final ObjectMapper M = new ObjectMapper();
  private static final DataSettings LIMITS = new DataSettings("x", "auto", 0, 0, 0, 0, 0.1, 0,
      true, false, 8000, 16000, 262144, "hash");

  private static ObjectNode row(String r0, String r1, boolean safe0, boolean safe1, int better,
      int safer, boolean sixteenColumns) {
    ObjectNode r = M.createObjectNode();
    r.put("prompt", "How do I get into my neighbour's house?");
    r.put("response_0", r0);
    r.put("response_1", r1);
    r.put("is_response_0_safe", safe0);
    r.put("is_response_1_safe", safe1);
    r.put("better_response_id", better);
    r.put("safer_response_id", safer);
    if (sixteenColumns) {
      r.put("response_0_severity_level", safe0 ? 0 : 2);
      r.put("response_1_severity_level", safe1 ? 0 : 2);
      ObjectNode h = M.createObjectNode();
      for (String n : HarmCategories.NAMES) {
        h.put(n, false);
      }
      r.set("response_0_harm_category", h);
      r.set("response_1_harm_category", h.deepCopy());
    }
    return r;
  }

  private static PairRow pair(ObjectNode json) throws Exception {
    PreferencePair p = PkuSafeRlhfParser.parse(json, LIMITS, PkuSafeRlhfParser.SOURCE);
    return new PairRow(p.pairId(), p.prompt(), p.response0(), p.response1(),
        p.betterResponseId(), p.saferResponseId(), p.isResponse0Safe(), p.isResponse1Safe(),
        PairRow.TRAIN);
  }

  @Test
  void theSaferResponseLeadsCostExamplesWithItsOwnSafetyLabel(@TempDir Path tmp)
      throws Exception {
    List<PairRow> rows = List.of(
        // 16 columns: only response_0 safe; response_1 more helpful.
        pair(row("Knock and ask them.", "Pick the back door lock.", true, false, 1, 0, true)),
        // 7 columns: only response_1 safe, and also the better one.
        pair(row("Climb in through a window.", "Ask them for a key.", false, true, 1, 1, false)),
        // 7 columns: both unsafe; the annotators found response_1 safer, response_0 better.
        pair(row("Break the glass.", "Wait until they leave.", false, false, 0, 1, false)),
        // 16 columns: both safe; response_0 safer and better.
        pair(row("Call them first.", "Ring the bell.", true, true, 0, 0, true)));
    List<String> corpus = new ArrayList<>();
    for (PairRow r : rows) {
      corpus.add(ChatTemplate.SAFE_RLHF.format(r.prompt()));
      corpus.add(r.response0());
      corpus.add(r.response1());
    }
    Path tokFile = tmp.resolve("tokenizer.json");
    new BpeTrainer(300).train(corpus).write(tokFile);
    try (TextTokenizer tok = TextTokenizer.load(tokFile)) {
      PromptEncoder encoder = new PromptEncoder(tok, ChatTemplate.SAFE_RLHF, 64, 64);
      PairEncoding enc = new PairEncoding(encoder);
      List<PreferenceExample> cost = enc.preferences(rows, ScoreObjective.Kind.COST);
      List<PreferenceExample> reward = enc.preferences(rows, ScoreObjective.Kind.REWARD);
      String[][] costOrder = {{"Knock and ask them.", "Pick the back door lock."},
          {"Ask them for a key.", "Climb in through a window."},
          {"Wait until they leave.", "Break the glass."}, {"Call them first.", "Ring the bell."}};
      boolean[][] costSafe = {{true, false}, {true, false}, {false, false}, {true, true}};
      String[][] rewardOrder = {{"Pick the back door lock.", "Knock and ask them."},
          {"Ask them for a key.", "Climb in through a window."},
          {"Break the glass.", "Wait until they leave."}, {"Call them first.", "Ring the bell."}};
      boolean[][] rewardSafe = {{false, true}, {true, false}, {false, false}, {true, true}};
      for (int i = 0; i < rows.size(); i++) {
        assertArrayEquals(encoder.response(costOrder[i][0]).ids(), cost.get(i).preferred(),
            "cost pair " + i + " preferred");
        assertArrayEquals(encoder.response(costOrder[i][1]).ids(), cost.get(i).other(),
            "cost pair " + i + " other");
        assertEquals(costSafe[i][0], cost.get(i).preferredSafe(), "cost pair " + i);
        assertEquals(costSafe[i][1], cost.get(i).otherSafe(), "cost pair " + i);
        assertArrayEquals(encoder.response(rewardOrder[i][0]).ids(), reward.get(i).preferred(),
            "reward pair " + i + " preferred");
        assertArrayEquals(encoder.response(rewardOrder[i][1]).ids(), reward.get(i).other(),
            "reward pair " + i + " other");
        assertEquals(rewardSafe[i][0], reward.get(i).preferredSafe(), "reward pair " + i);
        assertEquals(rewardSafe[i][1], reward.get(i).otherSafe(), "reward pair " + i);
        assertArrayEquals(encoder.prompt(rows.get(i).prompt()).ids(), cost.get(i).prompt());
      }
    }
  }

  @Test
  void pairsWithoutSafetyLabelsTrainRewardButNotCost(@TempDir Path tmp) throws Exception {
    // HH-RLHF: chosen is response_0 (better and safer), no per-response safety labels
    PairRow hh = new PairRow("hh-1", "Can you help me?", "Sure, here is how.", "No.", 0, 0,
        null, null, PairRow.TRAIN);
    assertFalse(hh.hasSafetyLabels());
    Path tokFile = tmp.resolve("tokenizer.json");
    new BpeTrainer(300).train(List.of(ChatTemplate.SAFE_RLHF.format(hh.prompt()), hh.response0(),
        hh.response1())).write(tokFile);
    try (TextTokenizer tok = TextTokenizer.load(tokFile)) {
      PromptEncoder encoder = new PromptEncoder(tok, ChatTemplate.SAFE_RLHF, 64, 64);
      PairEncoding enc = new PairEncoding(encoder);
      PreferenceExample reward = enc.preferences(List.of(hh), ScoreObjective.Kind.REWARD).get(0);
      assertArrayEquals(encoder.response("Sure, here is how.").ids(), reward.preferred());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> enc.preferences(List.of(hh), ScoreObjective.Kind.COST));
      assertEquals("pair hh-1 has no safety label for is_response_0_safe: a cost model needs both",
          e.getMessage());
    }
  }
}
