package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.ModelArchitecture;
import io.dualign.run.Json;
import io.dualign.text.BpeTrainer;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.text.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reward and cost objectives on real PKU-SafeRLHF rows (../shared/data): a tiny model trained
 * briefly. Reports held-out accuracy; asserts only that training lowered the training loss and
 * that the figures are well-formed, since a 1M-parameter model on 400 pairs is near chance.
 */
class RealSampleTrainingTest {
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

  @Test
  void rewardAndCostOnTheRealSample(@TempDir Path tmp) throws Exception {
    Path file = sample();
    assumeTrue(file != null, "shared/data/pku-saferlhf/train-sample.jsonl not found above "
        + Path.of("").toAbsolutePath() + ": real-sample test skipped");
    List<PairRow> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < 400; i++) {
      Map<String, Object> m = Json.readMap(lines.get(i).getBytes(StandardCharsets.UTF_8));
      rows.add(new PairRow("p" + i, (String) m.get("prompt"), (String) m.get("response_0"),
          (String) m.get("response_1"), ((Number) m.get("better_response_id")).intValue(),
          ((Number) m.get("safer_response_id")).intValue(), (Boolean) m.get("is_response_0_safe"),
          (Boolean) m.get("is_response_1_safe"), i < 300 ? PairRow.TRAIN : PairRow.TEST));
    }
    List<String> corpus = new ArrayList<>();
    for (PairRow r : rows.subList(0, 300)) {
      corpus.add(ChatTemplate.SAFE_RLHF.format(r.prompt()));
      corpus.add(r.response0());
      corpus.add(r.response1());
    }
    Path tokFile = tmp.resolve("tokenizer.json");
    new BpeTrainer(1024).train(corpus).write(tokFile);
    try (TextTokenizer tok = TextTokenizer.load(tokFile)) {
      PairEncoding enc = new PairEncoding(new PromptEncoder(tok, ChatTemplate.SAFE_RLHF, 48, 80));
      for (ScoreObjective.Kind kind : ScoreObjective.Kind.values()) {
        List<PreferenceExample> train = enc.preferences(rows.subList(0, 300), kind);
        List<PreferenceExample> test = enc.preferences(rows.subList(300, 400), kind);
        ModelArchitecture arch = new ModelArchitecture(ModelArchitecture.Head.SCORE, 1024, 128, 64,
            2, 4, 128);
        try (BuiltInTransformer m = BuiltInTransformer.create(arch, 5, Device.cpu())) {
          ScoreObjective obj = new ScoreObjective(m, kind, tok.padId(), 0.001f);
          double trainBefore = obj.evaluate(train, 50).get("loss");
          int steps = TrainingLoop.stepsFor(train.size(), 16, 2);
          ModelTrainer t = new ModelTrainer(m, new OptimizerSettings(1e-3f, 4, steps, 0.01f, 1f));
          TrainingLoop.fit(kind.name(), t, obj, train, 16, 2, 3, 10);
          Map<String, Double> trainAfter = obj.evaluate(train, 50);
          Map<String, Double> heldOut = obj.evaluate(test, 50);
          System.out.println("real sample " + kind + ": train loss " + trainBefore + " -> "
              + trainAfter.get("loss") + "; held-out " + heldOut + "; truncation " + enc.counts());
          assertTrue(trainAfter.get("loss") < trainBefore, kind + " train loss " + trainBefore
              + " -> " + trainAfter.get("loss"));
          double acc = heldOut.get("accuracy");
          assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        }
      }
    }
  }
}
