package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualign.config.DataSettings;
import io.dualign.data.PkuSafeRlhfParser;
import io.dualign.data.PreferencePair;
import io.dualign.data.PromptSplit;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.ModelArchitecture;
import io.dualign.text.BpeTrainer;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reward and cost objectives on the real PKU-SafeRLHF sample (../shared/data, 3,695 rows):
 * every row goes through the prepare stage's parser and prompt split (a quarter of the prompts
 * held out: 876 pairs), a tiny model (d = 64, 2 layers, ~0.14M parameters) from scratch trains one epoch on 1,500
 * train pairs, and the held-out figures are printed next to baselines on the same pairs that look
 * only at answer lengths (the longer answer is the better one; the longer answer costs more) or at
 * nothing (the majority safety label).
 *
 * <p>Asserted is only what held with margin for every seed measured (figures in docs/stages.md):
 * training lowers the loss on train pairs, the cost sign accuracy beats the majority label by 0.1
 * (measured 0.72 against 0.51), and the cost model orders the pairs with one safe and one unsafe
 * response right more often than not (measured 0.60-0.67 on 156 pairs, seeds 11-13). Reported, not asserted:
 * the reward accuracy (0.49-0.53: this budget learns no helpfulness; the length baseline gets
 * 0.61) and the cost pair accuracy over all pairs (0.52-0.53): four pairs in five have two equally
 * labelled responses that only the annotators' relative judgment orders.
 */
class RealSampleTrainingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Held-out share of prompts, as data.testFraction. */
  static final double TEST_FRACTION = 0.25;
  /**
   * How much one run trains: BPE vocabulary, token limits, pairs per step, epochs, peak learning
   * rate and the number of train pairs used (0: all).
   */
  record Budget(int vocab, int promptTokens, int responseTokens, int batchPairs, int epochs,
      float learningRate, int maxTrainPairs) {}

  /** The test's budget. */
  static final Budget BUDGET = new Budget(1024, 32, 48, 32, 1, 3e-3f, 1500);

  static Path sample() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path f = dir.resolve("shared/data/pku-saferlhf/train-sample.jsonl");
      if (Files.isRegularFile(f)) {
        return f;
      }
      dir = dir.getParent();
    }
    return null;
  }

  /** Every row of the sample as prepare makes it: parsed, checked, split by prompt. */
  static List<PairRow> pairs(Path file, long splitSeed) throws Exception {
    DataSettings limits = new DataSettings(file.toString(), "auto", 0, 0, 0, 0, TEST_FRACTION, 0,
        true, false, 8000, 16000, 262144, "hash");
    List<PairRow> rows = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      JsonNode node = JSON.readTree(line);
      PreferencePair p = PkuSafeRlhfParser.parse(node, limits, PkuSafeRlhfParser.SOURCE);
      rows.add(new PairRow(p.pairId(), p.prompt(), p.response0(), p.response1(),
          p.betterResponseId(), p.saferResponseId(), p.isResponse0Safe(), p.isResponse1Safe(),
          PromptSplit.of(p.promptId(), splitSeed, TEST_FRACTION)));
    }
    return rows;
  }

  /**
   * Baselines on {@code rows} that look only at answer lengths in characters, or at nothing:
   * the longer answer is the better one ({@code reward_longer_accuracy}), the longer answer costs
   * more (pair accuracy over all pairs and on same-label pairs) and the majority safety label.
   */
  static Map<String, Double> baselines(List<PairRow> rows) {
    PairAccuracy longerBetter = new PairAccuracy(ScoreObjective.Kind.REWARD);
    PairAccuracy longerCostlier = new PairAccuracy(ScoreObjective.Kind.COST);
    long safe = 0;
    for (PairRow r : rows) {
      int b = r.betterId();
      longerBetter.add(r.response(b).length(), r.response(1 - b).length(), true, true);
      int s = r.saferId();
      longerCostlier.add(r.response(s).length(), r.response(1 - s).length(), r.safe(s),
          r.safe(1 - s));
      safe += (r.safe0() ? 1 : 0) + (r.safe1() ? 1 : 0);
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("reward_longer_accuracy", longerBetter.accuracy());
    m.put("cost_longer_accuracy", longerCostlier.accuracy());
    m.put("cost_longer_accuracy_same_label", longerCostlier.sameLabelAccuracy());
    double safeShare = safe / (2.0 * rows.size());
    m.put("majority_sign_accuracy", Math.max(safeShare, 1 - safeShare));
    return m;
  }

  /** What one run measured: per kind, train loss before/after on a train subset and held-out. */
  record Figures(Map<String, Double> baselines, Map<ScoreObjective.Kind, Double> trainBefore,
      Map<ScoreObjective.Kind, Double> trainAfter,
      Map<ScoreObjective.Kind, Map<String, Double>> heldOut, int trainPairs, int testPairs,
      double seconds) {}

  /**
   * Trains a reward and a cost model with {@code seed} (initialisation and shuffling; the split
   * is fixed) on every train pair and evaluates them; {@code tmp} receives the tokenizer.
   */
  static Figures run(List<PairRow> rows, long seed, Budget b, Path tmp) throws Exception {
    long start = System.nanoTime();
    List<PairRow> train = new ArrayList<>();
    List<PairRow> test = new ArrayList<>();
    for (PairRow r : rows) {
      (r.isTrain() ? train : test).add(r);
    }
    if (b.maxTrainPairs() > 0 && train.size() > b.maxTrainPairs()) {
      train = train.subList(0, b.maxTrainPairs());
    }
    List<String> corpus = new ArrayList<>();
    for (PairRow r : train) {
      corpus.add(ChatTemplate.SAFE_RLHF.format(r.prompt()));
      corpus.add(r.response0());
      corpus.add(r.response1());
    }
    Path tokFile = tmp.resolve("tokenizer.json");
    new BpeTrainer(b.vocab()).train(corpus).write(tokFile);
    Map<ScoreObjective.Kind, Double> before = new LinkedHashMap<>();
    Map<ScoreObjective.Kind, Double> after = new LinkedHashMap<>();
    Map<ScoreObjective.Kind, Map<String, Double>> heldOut = new LinkedHashMap<>();
    try (TextTokenizer tok = TextTokenizer.load(tokFile)) {
      PairEncoding enc = new PairEncoding(new PromptEncoder(tok, ChatTemplate.SAFE_RLHF,
          b.promptTokens(), b.responseTokens()));
      for (ScoreObjective.Kind kind : ScoreObjective.Kind.values()) {
        List<PreferenceExample> trainEx = enc.preferences(train, kind);
        List<PreferenceExample> testEx = enc.preferences(test, kind);
        List<PreferenceExample> probe = trainEx.subList(0, Math.min(256, trainEx.size()));
        ModelArchitecture arch = new ModelArchitecture(ModelArchitecture.Head.SCORE, b.vocab(),
            b.promptTokens() + b.responseTokens(), 64, 2, 4, 128);
        try (BuiltInTransformer m = BuiltInTransformer.create(arch, seed, Device.cpu())) {
          ScoreObjective obj = new ScoreObjective(m, kind, tok.padId(), 0.001f);
          before.put(kind, obj.evaluate(probe, 64).get("loss"));
          int steps = TrainingLoop.stepsFor(trainEx.size(), b.batchPairs(), 1, b.epochs());
          ModelTrainer t = new ModelTrainer(m, new OptimizerSettings(b.learningRate(), 8, steps,
              0.01f, 1f));
          TrainingLoop.fit(kind.name(), t, obj, trainEx, b.batchPairs(), 1, b.epochs(), seed, 20);
          after.put(kind, obj.evaluate(probe, 64).get("loss"));
          heldOut.put(kind, obj.evaluate(testEx, 64));
        }
      }
    }
    return new Figures(baselines(test), before, after, heldOut, train.size(), test.size(),
        (System.nanoTime() - start) / 1e9);
  }

  @Test
  void rewardAndCostOnTheRealSample(@TempDir Path tmp) throws Exception {
    Path file = sample();
    assumeTrue(file != null, "shared/data/pku-saferlhf/train-sample.jsonl not found above "
        + Path.of("").toAbsolutePath() + ": real-sample test skipped");
    List<PairRow> rows = pairs(file, 7);
    assertEquals(3695, rows.size(), "rows of " + file);
    Figures f = run(rows, 11, BUDGET, tmp);
    System.out.println("real sample: " + f.trainPairs() + " train / " + f.testPairs()
        + " held-out pairs, " + String.format("%.0f", f.seconds()) + " s; baselines on held-out "
        + f.baselines());
    for (ScoreObjective.Kind kind : ScoreObjective.Kind.values()) {
      System.out.println("real sample " + kind + ": train-subset loss " + f.trainBefore().get(kind)
          + " -> " + f.trainAfter().get(kind) + "; held-out " + f.heldOut().get(kind));
      assertTrue(f.trainAfter().get(kind) < f.trainBefore().get(kind), kind + " train loss "
          + f.trainBefore().get(kind) + " -> " + f.trainAfter().get(kind));
    }
    Map<String, Double> reward = f.heldOut().get(ScoreObjective.Kind.REWARD);
    Map<String, Double> cost = f.heldOut().get(ScoreObjective.Kind.COST);
    assertEquals(f.testPairs(), reward.get("pairs").intValue());
    assertEquals(f.testPairs(), cost.get("pairs").intValue());
    assertEquals(f.testPairs(), cost.get("pairs_mixed") + cost.get("pairs_same_label"));
    double majority = f.baselines().get("majority_sign_accuracy");
    assertTrue(cost.get("sign_accuracy") > majority + 0.1, "cost held-out sign accuracy "
        + cost.get("sign_accuracy") + " vs the majority label's " + majority);
    assertTrue(cost.get("accuracy_mixed") > 0.5, "cost held-out accuracy on mixed pairs " + cost);
    for (double acc : new double[] {reward.get("accuracy"), cost.get("accuracy")}) {
      assertTrue(acc >= 0 && acc <= 1, "pair accuracy " + acc);
    }
  }
}
