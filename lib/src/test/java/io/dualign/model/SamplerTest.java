package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Tests of {@link Sampler}: every draw is compared with a walk over the row sorted by probability
 * (down) and id (up), cut to top-k then top-p ({@link #sortedWalk}), on rows shaped to reach each
 * of its ways through a row: a single bucket for a small nucleus, buckets after a sum, buckets
 * right away for a broad row, and the top-k walk.
 */
class SamplerTest {
  /** Cuts that put the boundaries in different places; temperature only matters when 0. */
  private static final List<SamplingParams> CUTS = List.of(params(0.9, 0), params(0.5, 0),
      params(0.999, 0), params(1, 1), params(1, 40), params(0.95, 40), params(0.9, 1000),
      params(1, 5000));

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

  @Test
  void allEqualProbabilitiesTieByIdInOneBucket() {
    for (int vocab : new int[] {3, 64, 1000, 4096}) {
      float[] row = new float[vocab];
      Arrays.fill(row, 1f / vocab);
      assertDrawsLikeSortedWalk("all equal of " + vocab, row, CUTS, 200);
    }
  }

  @Test
  void zeroProbabilitiesAreNeverDrawn() {
    Random r = new Random(11);
    // Half of a broad row is zero; and a row whose 10 non-zero ids are fewer than top-k.
    float[] half = softmax(gaussianLogits(r, 4096, 1.0));
    for (int i = 0; i < half.length; i++) {
      if (r.nextBoolean()) {
        half[i] = 0;
      }
    }
    float[] tenOf100 = new float[100];
    for (int i = 0; i < 10; i++) {
      tenOf100[7 * i + 3] = (i + 1) / 55f;
    }
    for (float[] row : List.of(half, tenOf100)) {
      assertDrawsLikeSortedWalk("zeros in " + row.length, row, CUTS, 200);
      SplittableRandom rng = new SplittableRandom(3);
      for (SamplingParams p : CUTS) {
        for (int draw = 0; draw < 100; draw++) {
          int id = Sampler.sampleProbs(row, 0, row.length, p, rng);
          assertTrue(row[id] > 0, "drew id " + id + " of probability 0 with " + p);
        }
      }
    }
  }

  @Test
  void aOneHotRowAlwaysDrawsItsId() {
    for (int hot : new int[] {0, 1234, 4095}) {
      float[] row = new float[4096];
      row[hot] = 1;
      SplittableRandom rng = new SplittableRandom(hot);
      for (SamplingParams p : CUTS) {
        for (int draw = 0; draw < 50; draw++) {
          assertEquals(hot, Sampler.sampleProbs(row, 0, row.length, p, rng), p.toString());
        }
      }
      assertDrawsLikeSortedWalk("one-hot at " + hot, row, CUTS, 50);
    }
  }

  @Test
  void topKCutsInsideABucketOfTiesBySmallerId() {
    // 10 ids at 0.05, 200 at 0.002 (ties in one bucket), the rest share 0.1: top-k 10 ends at a
    // bucket's edge, top-k 50 and 150 inside the ties, and top-p 0.95 of top-k 50 (0.551 of
    // 0.58) is reached inside them too.
    Random r = new Random(12);
    int vocab = 4096;
    List<Integer> ids = shuffledIds(r, vocab);
    float[] row = new float[vocab];
    for (int j = 0; j < vocab; j++) {
      row[ids.get(j)] = j < 10 ? 0.05f : j < 210 ? 0.002f : 0.1f / (vocab - 210);
    }
    assertDrawsLikeSortedWalk("ties at the top-k boundary", row, List.of(params(1, 10),
        params(1, 50), params(1, 150), params(0.95, 50), params(0.7, 150), params(0.9, 0)), 300);
  }

  @Test
  void topPReachedExactlyAtABucketEdge() {
    // Powers of two sum exactly: 256 ids at 2^-10, 512 at 2^-11, 1024 at 2^-12, 2048 at 2^-13
    // (a quarter of the mass each) and 256 zeros, shuffled. Top-p 0.25, 0.5 and 0.75 are reached
    // exactly at the last id of a bucket, top-k 768 at a bucket's edge.
    Random r = new Random(13);
    List<Integer> ids = shuffledIds(r, 4096);
    float[] row = new float[4096];
    int j = 0;
    for (int level = 10; level <= 13; level++) {
      for (int n = 0; n < 1 << (level - 2); n++) {
        row[ids.get(j++)] = (float) Math.scalb(1.0, -level);
      }
    }
    List<SamplingParams> cuts = List.of(params(0.25, 0), params(0.5, 0), params(0.75, 0),
        params(0.5, 768), params(0.75, 768), params(1, 768), params(0.5, 767));
    assertDrawsLikeSortedWalk("dyadic 4096", row, cuts, 300);
    assertDrawsLikeSortedWalk("dyadic 6", new float[] {0.125f, 0.25f, 0.125f, 0.25f, 0.125f,
        0.125f}, cuts, 300);
  }

  @Test
  void subnormalProbabilitiesAreOrderedLikeOthers() {
    Random r = new Random(14);
    float[] tiny = new float[4096]; // every id subnormal, 4096 * 8 * 2^-149 in all
    for (int i = 0; i < tiny.length; i++) {
      tiny[i] = Float.MIN_VALUE * (1 + r.nextInt(8)) * (r.nextInt(50) == 0 ? 1 << 20 : 1);
    }
    float[] mixed = new float[1000]; // three normal ids, the rest subnormal or zero
    for (int i = 0; i < mixed.length; i++) {
      mixed[i] = r.nextInt(3) == 0 ? 0 : Float.MIN_VALUE * (1 + r.nextInt(1 << 20));
    }
    mixed[5] = 0.5f;
    mixed[500] = 0.3f;
    mixed[999] = 0.2f;
    assertDrawsLikeSortedWalk("subnormal", tiny, CUTS, 200);
    assertDrawsLikeSortedWalk("normal and subnormal", mixed, CUTS, 200);
  }

  @Test
  void vocabulariesOfOneAndTwoIds() {
    for (float[] row : List.of(new float[] {1f}, new float[] {0.3f}, new float[] {0f},
        new float[] {0.5f, 0.5f}, new float[] {0.3f, 0.7f}, new float[] {0.7f, 0.3f},
        new float[] {0f, 1f}, new float[] {1f, 0f})) {
      assertDrawsLikeSortedWalk(Arrays.toString(row), row, CUTS, 200);
    }
  }

  @Test
  void peakedRowsOfATrainedLikeDistribution() {
    Random r = new Random(15);
    for (int vocab : new int[] {300, 4096, 32768}) {
      // Zipf (p ~ rank^-1.1 over a shuffled vocabulary), softmax of N(0, 3) logits, and a few
      // dominant ids over an N(0, 2) tail.
      List<Integer> ids = shuffledIds(r, vocab);
      float[] zipf = new float[vocab];
      for (int j = 0; j < vocab; j++) {
        zipf[ids.get(j)] = (float) Math.pow(j + 1, -1.1);
      }
      float[] wide = softmax(gaussianLogits(r, vocab, 3.0));
      float[] dominant = gaussianLogits(r, vocab, 2.0);
      for (int n = 0; n < 5; n++) {
        dominant[r.nextInt(vocab)] += 12;
      }
      dominant = softmax(dominant);
      int draws = vocab > 5000 ? 50 : 200;
      assertDrawsLikeSortedWalk("zipf " + vocab, zipf, CUTS, draws);
      assertDrawsLikeSortedWalk("N(0, 3) " + vocab, wide, CUTS, draws);
      assertDrawsLikeSortedWalk("dominant " + vocab, dominant, CUTS, draws);
    }
  }

  @Test
  void broadRowsOfManyVocabularySizes() {
    // Near-uniform rows (random weights): most of the vocabulary is in the nucleus.
    Random r = new Random(16);
    for (int vocab : new int[] {7, 100, 129, 1023, 1024, 1025, 4096, 32768}) {
      int draws = vocab > 5000 ? 50 : 200;
      assertDrawsLikeSortedWalk("N(0, 0.3) " + vocab, softmax(gaussianLogits(r, vocab, 0.3)),
          CUTS, draws);
      assertDrawsLikeSortedWalk("N(0, 1) " + vocab, softmax(gaussianLogits(r, vocab, 1.0)),
          CUTS, draws);
    }
  }

  @Test
  void aProbabilityThatIsNoFiniteNumberIsRejectedAndLeavesNoTrace() {
    Random r = new Random(17);
    float[] good = softmax(gaussianLogits(r, 4096, 0.3));
    float[] peaked = softmax(gaussianLogits(r, 4096, 3.0));
    float[] small = softmax(gaussianLogits(r, 100, 1.0));
    for (float bad : new float[] {Float.NaN, -1e-3f, -0f, Float.POSITIVE_INFINITY}) {
      for (float[] row : List.of(good, peaked, small)) {
        for (SamplingParams p : List.of(params(0.9, 0), params(1, 40), params(0.5, 0))) {
          float[] broken = row.clone();
          int at = row.length / 2;
          broken[at] = bad;
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> Sampler.sampleProbs(broken, 0, broken.length, p, new SplittableRandom(1)));
          assertTrue(e.getMessage().contains("id " + at) && e.getMessage().contains("" + bad),
              e.getMessage());
        }
      }
      // The thread's counts were cleared: the next rows draw what the sorted walk draws.
      assertDrawsLikeSortedWalk("after " + bad, good, CUTS, 50);
    }
  }

  @Test
  void aDrawTakesExactlyOneNumberFromTheGenerator() {
    Random r = new Random(18);
    for (float[] row : List.of(softmax(gaussianLogits(r, 4096, 0.3)),
        softmax(gaussianLogits(r, 4096, 3.0)), softmax(gaussianLogits(r, 50, 1.0)))) {
      for (SamplingParams p : CUTS) {
        SplittableRandom a = new SplittableRandom(7);
        SplittableRandom b = new SplittableRandom(7);
        Sampler.sampleProbs(row, 0, row.length, p, a);
        b.nextDouble();
        assertEquals(b.nextLong(), a.nextLong(), p.toString());
      }
    }
  }

  /**
   * Asserts that {@code draws} draws from {@code row}, placed inside a batch between rows of NaN,
   * are the sorted walk's for each cut and two seeds.
   */
  private static void assertDrawsLikeSortedWalk(String what, float[] row,
      List<SamplingParams> cuts, int draws) {
    int vocab = row.length;
    int offset = 3;
    float[] batch = new float[offset + vocab + 5];
    Arrays.fill(batch, Float.NaN);
    System.arraycopy(row, 0, batch, offset, vocab);
    Integer[] order = sortedOrder(row, vocab);
    for (SamplingParams p : cuts) {
      for (long seed = 0; seed < 2; seed++) {
        SplittableRandom a = new SplittableRandom(seed);
        SplittableRandom b = new SplittableRandom(seed);
        for (int draw = 0; draw < draws; draw++) {
          int expected = sortedWalk(order, row, vocab, p, a);
          assertEquals(expected, Sampler.sampleProbs(batch, offset, vocab, p, b),
              what + ", seed " + seed + " draw " + draw + " " + p);
        }
      }
    }
  }

  private static SamplingParams params(double topP, int topK) {
    return new SamplingParams(1, topP, topK, 1, List.of());
  }

  private static float[] gaussianLogits(Random r, int vocab, double sd) {
    float[] logits = new float[vocab];
    for (int i = 0; i < vocab; i++) {
      logits[i] = (float) (r.nextGaussian() * sd);
    }
    return logits;
  }

  private static float[] softmax(float[] logits) {
    return Sampler.softmax(logits, 0, logits.length, 1.0);
  }

  private static List<Integer> shuffledIds(Random r, int vocab) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < vocab; i++) {
      ids.add(i);
    }
    Collections.shuffle(ids, r);
    return ids;
  }

  /** The reference: sort the whole row (probability down, id up), cut top-k then top-p, walk. */
  static int sortedWalk(float[] probs, int vocab, SamplingParams p,
      java.util.SplittableRandom rng) {
    return sortedWalk(sortedOrder(probs, vocab), probs, vocab, p, rng);
  }

  /** The ids of a row by probability down, then id up. */
  private static Integer[] sortedOrder(float[] probs, int vocab) {
    Integer[] order = new Integer[vocab];
    for (int i = 0; i < vocab; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> probs[x] != probs[y] ? Float.compare(probs[y], probs[x])
        : Integer.compare(x, y));
    return order;
  }

  /** The reference walk over a row's sorted ids: cut top-k then top-p, walk. */
  private static int sortedWalk(Integer[] order, float[] probs, int vocab, SamplingParams p,
      java.util.SplittableRandom rng) {
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
