package io.dualign.spark;

import ai.djl.Device;
import io.dualign.config.UtilityScorer;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.Checkpoint;
import io.dualign.model.ModelArchitecture;
import io.dualign.text.BpeTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code TinyCheckpoints} writes a tiny policy, reward and cost checkpoint (random weights, one
 * shared BPE tokenizer) for rollout and scoring tests.
 */
final class TinyCheckpoints {
  static final String TEMPLATE = "USER: {prompt} ASSISTANT:";
  static final int MAX_PROMPT_TOKENS = 40;
  static final int MAX_RESPONSE_TOKENS = 16;

  final ModelRef policy;
  final ModelRef reward;
  final ModelRef cost;

  private TinyCheckpoints(ModelRef policy, ModelRef reward, ModelRef cost) {
    this.policy = policy;
    this.reward = reward;
    this.cost = cost;
  }

  static ModelArchitecture arch(ModelArchitecture.Head head) {
    return new ModelArchitecture(head, 300, 64, 32, 2, 4, 64);
  }

  static TinyCheckpoints write(Path dir) throws Exception {
    Path tok = dir.resolve("tokenizer.json");
    new BpeTrainer(300).train(List.of("USER: how do I fix the garden? ASSISTANT: first water it",
        "then cut the grass and plant a tree", "I cannot help with that, it is dangerous"))
        .write(tok);
    Configuration conf = new Configuration();
    FileSystem fs = FileSystem.getLocal(conf);
    ModelRef[] refs = new ModelRef[3];
    String[] names = {"policy", "reward", "cost"};
    for (int i = 0; i < 3; i++) {
      ModelArchitecture.Head head = i == 0 ? ModelArchitecture.Head.LANGUAGE_MODEL
          : ModelArchitecture.Head.SCORE;
      org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(
          dir.resolve(names[i]).toString());
      try (BuiltInTransformer m = BuiltInTransformer.create(arch(head), 11 + i, Device.cpu())) {
        Checkpoint.save(m, tok, fs, out, Map.of());
      }
      refs[i] = ModelRef.of(out.toString(), conf);
    }
    Files.delete(tok);
    return new TinyCheckpoints(refs[0], refs[1], refs[2]);
  }

  ScoringSpec scoring(int batchSize, ScoringSpec.Option... options) {
    return ScoringSpec.builder(reward, cost).utilities(List.of(UtilityScorer.parse("safety=-cost")))
        .chatTemplate(TEMPLATE).maxPromptTokens(MAX_PROMPT_TOKENS)
        .maxResponseTokens(MAX_RESPONSE_TOKENS).batchSize(batchSize).with(options).build();
  }

  RolloutSpec rollout(int samples, int partitions, ScoringSpec scoring) {
    return new RolloutSpec("run-test", 0, policy, samples, 1.0, 0.9, 0, 12, 42L, 8, partitions,
        scoring);
  }
}
