package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  private static final List<long[]> PROMPTS = List.of(new long[] {3, 4, 5}, new long[] {6},
      new long[] {7, 8, 9, 10, 11, 12}, new long[] {13, 14});
  private static final long[] SEEDS = {101, 202, 303, 404};

  @Test
  void aRowsTextDependsOnItsSeedNotOnTheBatch() {
    try (BuiltInTransformer lm = TinyModels.newLm(3)) {
      Generator g = new Generator(lm, 0, 1, null);
      SamplingParams p = new SamplingParams(1.0, 1.0, 0, 16, List.of());
      List<Generation> batch = g.generate(PROMPTS, SEEDS, p, true);
      // Reversed order.
      List<long[]> rev = new ArrayList<>(PROMPTS);
      java.util.Collections.reverse(rev);
      long[] revSeeds = {404, 303, 202, 101};
      List<Generation> reversed = g.generate(rev, revSeeds, p, true);
      for (int r = 0; r < 4; r++) {
        assertArrayEquals(batch.get(r).tokens(), reversed.get(3 - r).tokens(), "row " + r);
      }
      // Alone, and next to other rows.
      List<Generation> alone = g.generate(List.of(PROMPTS.get(2)), new long[] {303}, p, true);
      assertArrayEquals(batch.get(2).tokens(), alone.get(0).tokens());
      // Another seed gives another text.
      List<Generation> other = g.generate(List.of(PROMPTS.get(2)), new long[] {304}, p, true);
      assertFalse(Arrays.equals(batch.get(2).tokens(), other.get(0).tokens()));
    }
  }

  /**
   * Rows of equal length run without an attention mask, also after one ends at EOS and feeds
   * padding: that may not change another row's text.
   */
  @Test
  void aRowEndingEarlyChangesNoOtherRow() {
    try (BuiltInTransformer lm = TinyModels.newLm(6)) {
      List<long[]> prompts = List.of(new long[] {3, 4, 5}, new long[] {6, 7, 8},
          new long[] {9, 10, 11});
      long[] seeds = {7, 8, 9};
      SamplingParams p = new SamplingParams(1.0, 1.0, 0, 12, List.of());
      long[] row0 = new Generator(lm, -1, 1, null).generate(List.of(prompts.get(0)),
          new long[] {7}, p, true).get(0).tokens();
      long eos = row0[3]; // row 0 ends at its 4th token (or earlier, if that id came before)
      Generator g = new Generator(lm, eos, 1, null);
      List<Generation> batch = g.generate(prompts, seeds, p, true);
      assertEquals(Generation.Reason.EOS, batch.get(0).reason());
      assertTrue(batch.get(0).tokens().length <= 3);
      int longer = 0;
      for (int r = 0; r < 3; r++) {
        Generation alone = g.generate(List.of(prompts.get(r)), new long[] {seeds[r]}, p, true)
            .get(0);
        assertArrayEquals(alone.tokens(), batch.get(r).tokens(), "row " + r);
        assertArrayEquals(alone.tokens(), g.generate(prompts, seeds, p, false).get(r).tokens(),
            "row " + r + " recomputed");
        longer += batch.get(r).tokens().length > batch.get(0).tokens().length + 1 ? 1 : 0;
      }
      assertTrue(longer > 0, "no row outlived row 0: nothing ran after it ended");
    }
  }

  @Test
  void greedyStopsAtEosAndStopStrings() {
    try (BuiltInTransformer lm = TinyModels.newLm(4)) {
      // The greedy continuation of a prompt, then the same with its 3rd token declared EOS.
      Generator plain = new Generator(lm, 63, 1, null);
      long[] first = plain.generate(List.of(PROMPTS.get(0)), new long[] {1},
          SamplingParams.greedy(8), true).get(0).tokens();
      assertEquals(8, first.length);
      long eos = first[2];
      int firstEos = 0;
      while (first[firstEos] != eos) {
        firstEos++;
      }
      Generation g = new Generator(lm, eos, 1, null).generate(List.of(PROMPTS.get(0)),
          new long[] {1}, SamplingParams.greedy(8), true).get(0);
      assertEquals(Generation.Reason.EOS, g.reason());
      assertArrayEquals(Arrays.copyOf(first, firstEos), g.tokens());
      // A stop string: decode each id as "<id>"; stop at the text of the 4th token.
      Generator dec = new Generator(lm, 63, 1, ids -> {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) {
          sb.append('<').append(id).append('>');
        }
        return sb.toString();
      });
      String stop = "<" + first[3] + ">";
      Generation s = dec.generate(List.of(PROMPTS.get(0)), new long[] {1},
          new SamplingParams(0, 1, 0, 8, List.of(stop)), true).get(0);
      assertEquals(Generation.Reason.STOP, s.reason());
      assertFalse(s.text().contains(stop));
      assertTrue(s.tokens().length <= 4);
    }
  }
}
