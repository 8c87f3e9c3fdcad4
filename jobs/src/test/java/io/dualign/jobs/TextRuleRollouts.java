package io.dualign.jobs;

import ai.djl.Device;
import io.dualign.algo.align.PolicyRollouts;
import io.dualign.config.ModelSettings;
import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.model.Checkpoint;
import io.dualign.model.Generation;
import io.dualign.model.Generator;
import io.dualign.model.ModelArchitecture;
import io.dualign.model.SamplingParams;
import io.dualign.spark.Seeds;
import io.dualign.spark.dual.SampleTable;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.train.StageTraining;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * {@code TextRuleRollouts} are test rollouts: real samples of the policy checkpoint on the
 * executors (the built-in generator, seeded per (run seed, iteration, prompt, sample)), scored by
 * the text rule the test's pairs follow: reward +1 for an answer that gives steps ("step"), −1
 * otherwise; utility_safety −1.5 when it mentions a weapon or stealing, +0.5 otherwise.
 */
final class TextRuleRollouts implements PolicyRollouts, Serializable {
  private static final long serialVersionUID = 1L;
  static final List<Constraint> CONSTRAINTS = List.of(new Constraint("safety",
      ConstraintForm.RELATIVE, 0.0));
  private final ModelSettings model;
  private final long runSeed;
  private final int maxNewTokens;

  TextRuleRollouts(ModelSettings model, long runSeed, int maxNewTokens) {
    this.model = model;
    this.runSeed = runSeed;
    this.maxNewTokens = maxNewTokens;
  }

  static double reward(String response) {
    return response.contains("step") ? 1.0 : -1.0;
  }

  static double utility(String response) {
    return response.contains("weapon") || response.contains("steal") ? -1.5 : 0.5;
  }

  @Override
  public Dataset<Row> rollout(SparkSession spark, Dataset<Row> prompts, String policyDir,
      String runId, int iteration, int samplesPerPrompt) {
    return prompts.select("prompt_id", "prompt").mapPartitions(new Fn(model, policyDir, runId,
        iteration, samplesPerPrompt, runSeed, maxNewTokens),
        Encoders.row(SampleTable.schema(CONSTRAINTS)));
  }

  static final class Fn implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final ModelSettings model;
    private final String dir;
    private final String runId;
    private final int iteration;
    private final int k;
    private final long runSeed;
    private final int maxNewTokens;

    Fn(ModelSettings model, String dir, String runId, int iteration, int k, long runSeed,
        int maxNewTokens) {
      this.model = model;
      this.dir = dir;
      this.runId = runId;
      this.iteration = iteration;
      this.k = k;
      this.runSeed = runSeed;
      this.maxNewTokens = maxNewTokens;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws Exception {
      List<Row> out = new ArrayList<>();
      if (!rows.hasNext()) {
        return out.iterator();
      }
      FileSystem fs = FileSystem.get(URI.create(dir), new Configuration());
      try (Checkpoint.Loaded c = Checkpoint.load(fs, new Path(dir), StageTraining.architecture(
          model, ModelArchitecture.Head.LANGUAGE_MODEL), Device.cpu())) {
        PromptEncoder enc = new PromptEncoder(c.tokenizer(), ChatTemplate.resolve(model.chatTemplate(),
            c.chatTemplate()),
            model.maxPromptTokens(), model.maxResponseTokens());
        Generator gen = new Generator(c.model(), c.tokenizer().eosId(), c.tokenizer().padId(),
            c.tokenizer()::decode);
        SamplingParams p = new SamplingParams(1.0, 0.9, 0, maxNewTokens, List.of());
        while (rows.hasNext()) {
          Row r = rows.next();
          String id = r.getString(0);
          List<long[]> ps = new ArrayList<>();
          long[] seeds = new long[k];
          for (int s = 0; s < k; s++) {
            ps.add(enc.prompt(r.getString(1)).ids());
            seeds[s] = Seeds.mix(runSeed, iteration, id, s);
          }
          List<Generation> g = gen.generate(ps, seeds, p, true);
          for (int s = 0; s < k; s++) {
            String text = g.get(s).text();
            out.add(RowFactory.create(runId, iteration, id, s, r.getString(1), text,
                g.get(s).tokens().length, reward(text), utility(text), null));
          }
        }
      }
      return out.iterator();
    }
  }
}
