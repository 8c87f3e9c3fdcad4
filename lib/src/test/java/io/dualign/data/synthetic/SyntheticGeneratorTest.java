package io.dualign.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualign.vocabulary.HarmCategories;
import io.dualign.vocabulary.Hashes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticGeneratorTest {

  private static byte[] jsonl(SyntheticGenerator g, int n) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      out.writeBytes(g.jsonLine(i).getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }
    return out.toByteArray();
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherBytes() {
    byte[] a = jsonl(new SyntheticGenerator(0.3, 0.1, 0.03, 7), 400);
    byte[] b = jsonl(new SyntheticGenerator(0.3, 0.1, 0.03, 7), 400);
    byte[] c = jsonl(new SyntheticGenerator(0.3, 0.1, 0.03, 8), 400);
    assertEquals(Hashes.sha256Hex(new String(a, StandardCharsets.UTF_8)),
        Hashes.sha256Hex(new String(b, StandardCharsets.UTF_8)));
    assertNotEquals(Hashes.sha256Hex(new String(a, StandardCharsets.UTF_8)),
        Hashes.sha256Hex(new String(c, StandardCharsets.UTF_8)));
    // pair i does not depend on which pairs were generated before it
    SyntheticGenerator g = new SyntheticGenerator(0.3, 0.1, 0.03, 7);
    assertEquals(g.jsonLine(399), new SyntheticGenerator(0.3, 0.1, 0.03, 7).jsonLine(399));
  }

  @Test
  void withoutNoiseLabelsFollowTheGoldScoresExactly() {
    SyntheticGenerator g = new SyntheticGenerator(0.3, 0.0, 0.0, 11);
    for (int i = 0; i < 3000; i++) {
      SyntheticGenerator.Sample s = g.sample(i);
      JsonNode r = s.row();
      GoldScore[] gold = {s.gold0(), s.gold1()};
      int better = r.get("better_response_id").asInt();
      int safer = r.get("safer_response_id").asInt();
      assertTrue(gold[better].reward() >= gold[1 - better].reward(), "pair " + i);
      assertTrue(gold[safer].cost() <= gold[1 - safer].cost(), "pair " + i);
      for (int k = 0; k < 2; k++) {
        assertEquals(gold[k].safe(), r.get("is_response_" + k + "_safe").asBoolean());
        assertEquals(gold[k].severity(), r.get("response_" + k + "_severity_level").asInt());
        List<String> cats = new ArrayList<>();
        r.get("response_" + k + "_harm_category").fields().forEachRemaining(e -> {
          if (e.getValue().asBoolean()) {
            cats.add(e.getKey());
          }
        });
        assertEquals(gold[k].harmCategories(), cats);
      }
      // the gold scorer re-reads the prompt's category from the text alone
      assertEquals(s.topic().category(), r.get("category").asText());
      assertEquals(s.topic().category(), gold[0].promptCategory());
      // and scores the stored text to the same values (any text, not just generator state)
      assertEquals(s.gold1(), GoldScorer.score(r.get("prompt").asText(),
          r.get("response_1").asText()));
    }
  }

  @Test
  void labelsDisagreeWithTheLatentValuesAtTheConfiguredNoiseRate() {
    double noise = 0.1;
    double safetyNoise = 0.05;
    SyntheticGenerator g = new SyntheticGenerator(0.3, noise, safetyNoise, 3);
    int n = 20000;
    int rewardPairs = 0;
    int rewardFlips = 0;
    int costPairs = 0;
    int costFlips = 0;
    int safeFlips = 0;
    for (int i = 0; i < n; i++) {
      SyntheticGenerator.Sample s = g.sample(i);
      JsonNode r = s.row();
      GoldScore[] gold = {s.gold0(), s.gold1()};
      if (gold[0].reward() != gold[1].reward()) {
        rewardPairs++;
        int goldBetter = gold[1].reward() > gold[0].reward() ? 1 : 0;
        rewardFlips += r.get("better_response_id").asInt() != goldBetter ? 1 : 0;
      }
      if (gold[0].cost() != gold[1].cost()) {
        costPairs++;
        int goldSafer = gold[1].cost() < gold[0].cost() ? 1 : 0;
        costFlips += r.get("safer_response_id").asInt() != goldSafer ? 1 : 0;
      }
      for (int k = 0; k < 2; k++) {
        boolean label = r.get("is_response_" + k + "_safe").asBoolean();
        safeFlips += label != gold[k].safe() ? 1 : 0;
        // severity always agrees with the (possibly flipped) label
        assertEquals(label, r.get("response_" + k + "_severity_level").asInt() == 0);
      }
    }
    assertTrue(rewardPairs > n * 0.8, "few ties: " + rewardPairs);
    // binomial standard errors are about 0.0023, 0.0024 and 0.0011: allow four of them
    assertEquals(noise, (double) rewardFlips / rewardPairs, 0.01);
    assertEquals(noise, (double) costFlips / costPairs, 0.01);
    assertEquals(safetyNoise, (double) safeFlips / (2.0 * n), 0.005);
  }

  @Test
  void harmfulPromptsPoseTheHelpfulnessSafetyTradeOff() {
    SyntheticGenerator g = new SyntheticGenerator(0.3, 0.1, 0.03, 5);
    int mixed = 0;
    int unsafeMoreHelpful = 0;
    int safeAndHelpful = 0;
    int refusals = 0;
    int benign = 0;
    Set<String> categories = new HashSet<>();
    Set<String> prompts = new HashSet<>();
    int n = 6000;
    for (int i = 0; i < n; i++) {
      SyntheticGenerator.Sample s = g.sample(i);
      prompts.add(s.row().get("prompt").asText());
      categories.add(s.topic().category());
      if (!s.topic().harmful()) {
        benign++;
        continue;
      }
      GoldScore[] gold = {s.gold0(), s.gold1()};
      for (GoldScore x : gold) {
        safeAndHelpful += x.safe() && x.reward() >= 1.5 ? 1 : 0;
        refusals += x.safe() && x.reward() < 0 ? 1 : 0;
      }
      if (gold[0].safe() != gold[1].safe()) {
        mixed++;
        GoldScore unsafe = gold[0].safe() ? gold[1] : gold[0];
        GoldScore safe = gold[0].safe() ? gold[0] : gold[1];
        unsafeMoreHelpful += unsafe.reward() > safe.reward() ? 1 : 0;
      }
    }
    assertTrue(unsafeMoreHelpful > 0.6 * mixed, unsafeMoreHelpful + " of " + mixed);
    assertTrue(unsafeMoreHelpful < 0.95 * mixed, unsafeMoreHelpful + " of " + mixed);
    assertTrue(safeAndHelpful > 0.1 * n, "safe and helpful answers exist: " + safeAndHelpful);
    assertTrue(refusals > 0.05 * n, "refusals: " + refusals);
    assertEquals(0.3, (double) benign / n, 0.03);
    assertEquals(HarmCategories.NAMES.size() + 1, categories.size());
    assertTrue(prompts.size() > 0.6 * n, "varied prompts: " + prompts.size());
  }

  @Test
  void textsAreShortEnoughForASmallModel() {
    SyntheticGenerator g = new SyntheticGenerator(0.3, 0.1, 0.03, 9);
    for (int i = 0; i < 3000; i++) {
      JsonNode r = g.sample(i).row();
      int pw = r.get("prompt").asText().split("\\s+").length;
      assertTrue(pw >= 6 && pw <= 35, "prompt words " + pw);
      for (int k = 0; k < 2; k++) {
        int w = r.get("response_" + k).asText().split("\\s+").length;
        assertTrue(w >= 12 && w <= 65, "response words " + w);
      }
      assertEquals(Hashes.sha256Hex(r.get("prompt").asText() + r.get("response_0").asText()),
          r.get("response_0_sha256").asText());
    }
  }
}
