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

  @Test
  void samplerHonoursTopKAndTopP() {
    float[] logits = {0f, 5f, 4.9f, -3f, 1f};
    java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
    int[] counts = new int[5];
    for (int i = 0; i < 2000; i++) {
      counts[Sampler.sample(logits, 0, 5, new SamplingParams(1, 1, 2, 1, List.of()), rng)]++;
    }
    assertEquals(0, counts[0] + counts[3] + counts[4], "top-k 2 keeps ids 1 and 2 only");
    assertTrue(counts[1] > 900 && counts[2] > 800, Arrays.toString(counts));
    int[] topP = new int[5];
    for (int i = 0; i < 2000; i++) {
      topP[Sampler.sample(logits, 0, 5, new SamplingParams(1, 0.5, 0, 1, List.of()), rng)]++;
    }
    // p(1) = 0.51 of the whole: the smallest set reaching 0.5 is {1}.
    assertEquals(2000, topP[1]);
    assertEquals(1, Sampler.sample(logits, 0, 5, SamplingParams.greedy(1), rng));
  }

  @Test
  void selectionSamplingDrawsWhatASortedWalkDraws() {
    // Rows of 50 ids with spread logits, and rows of 4096 near-uniform ones (as random weights
    // give: the nucleus holds most of the vocabulary) with ties; Java and engine softmax.
    java.util.Random r = new java.util.Random(5);
    int[][] shapes = {{4, 50}, {3, 4096}};
    for (int[] shape : shapes) {
      int rows = shape[0];
      int vocab = shape[1];
      float[] logits = new float[rows * vocab];
      for (int i = 0; i < logits.length; i++) {
        logits[i] = vocab == 50 ? (float) (r.nextGaussian() * 2)
            : (float) Math.round(r.nextGaussian() * 0.3 * 64) / 64; // many equal logits
      }
      try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
        ai.djl.ndarray.NDArray x = m.create(logits, new ai.djl.ndarray.types.Shape(rows, vocab));
        for (SamplingParams p : List.of(new SamplingParams(0.7, 0.9, 0, 1, List.of()),
            new SamplingParams(1.3, 1.0, 10, 1, List.of()),
            new SamplingParams(1.0, 0.95, 40, 1, List.of()),
            new SamplingParams(1.0, 0.5, 0, 1, List.of()))) {
          float[] engine = x.div(p.temperature()).softmax(1).toFloatArray();
          for (int row = 0; row < rows; row++) {
            float[] probs = Sampler.softmax(logits, row * vocab, vocab, p.temperature());
            java.util.SplittableRandom a = new java.util.SplittableRandom(row);
            java.util.SplittableRandom b = new java.util.SplittableRandom(row);
            java.util.SplittableRandom c = new java.util.SplittableRandom(row);
            for (int draw = 0; draw < 200; draw++) {
              int expected = sortedWalk(probs, vocab, p, a);
              assertEquals(expected, Sampler.sample(logits, row * vocab, vocab, p, b),
                  "row " + row + " of " + vocab + " draw " + draw + " " + p);
              int fromEngine = Sampler.sampleProbs(engine, row * vocab, vocab, p, c);
              assertTrue(probs[fromEngine] > 0, "drawn id " + fromEngine);
              if (vocab == 50) { // few ids: engine and Java probabilities draw the same ids
                assertEquals(expected, fromEngine, "row " + row + " draw " + draw + " " + p);
              }
            }
          }
        }
      }
    }
  }

  /** The reference: sort the whole row (probability down, id up), cut top-k then top-p, walk. */
  private static int sortedWalk(float[] probs, int vocab, SamplingParams p,
      java.util.SplittableRandom rng) {
    Integer[] order = new Integer[vocab];
    for (int i = 0; i < vocab; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> probs[x] != probs[y] ? Float.compare(probs[y], probs[x])
        : Integer.compare(x, y));
    int k = p.topK() == 0 ? vocab : Math.min(p.topK(), vocab);
    double kSum = 0;
    for (int j = 0; j < (p.topK() == 0 ? vocab : k); j++) {
      kSum += probs[order[j]];
    }
    int kept = k;
    double keptSum = kSum;
    double cum = 0;
    for (int j = 0; j < k && p.topP() < 1; j++) {
      cum += probs[order[j]];
      if (cum >= p.topP() * kSum) {
        kept = j + 1;
        keptSum = cum;
        break;
      }
    }
    double u = rng.nextDouble() * keptSum;
    double acc = 0;
    for (int j = 0; j < kept; j++) {
      acc += probs[order[j]];
      if (u < acc) {
        return order[j];
      }
    }
    return order[kept - 1];
  }
}
