package io.dualign.algo.align;

import ai.djl.Device;
import io.dualign.config.ModelSettings;
import io.dualign.config.TrainSettings;
import io.dualign.model.CausalLm;
import io.dualign.model.Checkpoint;
import io.dualign.model.EngineThreads;
import io.dualign.model.LoadedModel;
import io.dualign.model.SequenceLogProbs;
import io.dualign.model.torchscript.TorchScriptBundle;
import io.dualign.model.torchscript.TorchScriptModel;
import io.dualign.spark.ExecutorModels;
import io.dualign.spark.ModelRef;
import io.dualign.run.Json;
import io.dualign.spark.Seeds;
import io.dualign.text.PromptEncoder;
import io.dualign.train.DpoExample;
import io.dualign.train.DpoObjective;
import io.dualign.train.ModelTrainer;
import io.dualign.train.OptimizerSettings;
import io.dualign.train.TrainingLoop;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * {@code DpoEpoch} is step 2 of an align iteration as a one-task Spark stage: it receives every
 * labelled pair with its reference log-probabilities ({@link AlignPairs#trainingColumns()}),
 * loads θ(t−1) (a built-in checkpoint or a TorchScript bundle), takes one DPO epoch against
 * π_ref (fresh AdamW with warm-up + cosine over the epoch, data order seeded by (run seed,
 * iteration, method)), measures {@link DpoFigures} on the same pairs, and writes θ(t) in the
 * format θ(t−1) had. It returns its figures as one JSON string.
 *
 * <p>The rows arrive in partition order; they are sorted by pair id first, so the epoch does not
 * depend on how Spark partitioned them. The interface is the data-parallel one (rows in, one
 * summary per task out): several tasks would each return their figures.
 */
public final class DpoEpoch implements MapPartitionsFunction<Row, String> {
  private static final long serialVersionUID = 1L;
  private final ModelRef previous;
  private final String outputDir;
  private final ModelSettings model;
  private final TrainSettings train;
  private final int batchSize;
  private final double learningRate;
  private final double beta;
  private final long runSeed;
  private final int iteration;
  private final String method;
  private final int threads;

  /**
   * @param previous θ(t−1): a built-in checkpoint or a TorchScript causal-LM bundle (trained
   *     through DJL with {@code trainParam}; θ(t) is then written as a new verified bundle)
   */
  public DpoEpoch(ModelRef previous, String outputDir, ModelSettings model, TrainSettings train,
      int batchSize, double learningRate, double beta, long runSeed, int iteration, String method,
      int threads) {
    this.previous = previous;
    this.outputDir = outputDir;
    this.model = model;
    this.train = train;
    this.batchSize = batchSize;
    this.learningRate = learningRate;
    this.beta = beta;
    this.runSeed = runSeed;
    this.iteration = iteration;
    this.method = method;
    this.threads = threads;
  }

  /** A labelled pair as the epoch holds it. */
  private record Pair(String id, String prompt, String r0, String r1, int preferred, double ref0,
      double ref1) {}

  @Override
  public Iterator<String> call(Iterator<Row> rows) throws Exception {
    EngineThreads.apply(threads);
    List<Pair> pairs = new ArrayList<>();
    long unlabelled = 0;
    while (rows.hasNext()) {
      Row r = rows.next();
      if (r.isNullAt(4)) {
        unlabelled++;
        continue;
      }
      pairs.add(new Pair(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
          r.getInt(4), r.getDouble(5), r.getDouble(6)));
    }
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException("align " + method + " iteration " + iteration
          + ": no labelled pair to train on (" + unlabelled + " rows without a label)");
    }
    pairs.sort(Comparator.comparing(Pair::id));
    long seed = Seeds.mix(runSeed, iteration, "dpo-epoch/" + method, 0);
    try (LoadedModel prev = ExecutorModels.load(previous, Device.cpu(), true)) {
      CausalLm policy = prev.causalLm();
      PromptEncoder enc = PolicyCodec.encoder(prev, model);
      long pad = prev.tokenizer().padId();
      List<DpoExample> examples = new ArrayList<>();
      for (Pair p : pairs) {
        long[] prompt = enc.prompt(p.prompt()).ids();
        long[] y0 = enc.response(p.r0()).ids();
        long[] y1 = enc.response(p.r1()).ids();
        examples.add(p.preferred() == 1 ? new DpoExample(prompt, y1, y0, p.ref1(), p.ref0())
            : new DpoExample(prompt, y0, y1, p.ref0(), p.ref1()));
      }
      DpoObjective objective = new DpoObjective(policy, pad, (float) beta);
      int steps = TrainingLoop.stepsFor(examples.size(), batchSize, 1);
      ModelTrainer trainer = new ModelTrainer(policy, new OptimizerSettings((float) learningRate,
          train.warmupSteps(), steps, (float) train.weightDecay(), (float) train.gradClipNorm()));
      TrainingLoop.FitResult fit = TrainingLoop.fit("align " + method + " iteration " + iteration,
          trainer, objective, examples, batchSize, 1, seed, train.logEverySteps());
      DpoFigures figures = figures(policy, pad, examples, batchSize, beta);
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("pairs", pairs.size());
      s.put("unlabelled_pairs", unlabelled);
      s.put("preferred_1_share", pairs.stream().filter(p -> p.preferred() == 1).count()
          / (double) pairs.size());
      s.put("steps", fit.steps());
      s.put("final_train_loss", fit.lastLoss());
      s.put("train_tokens", fit.tokens());
      s.put("train_seconds", fit.seconds());
      s.put("train_tokens_per_second", fit.tokensPerSecond());
      s.putAll(figures.toMap());
      s.put("previous_version", prev.version());
      s.put("model_format", prev.format().id());
      s.put("data_order_seed", seed);
      s.put("model_version", save(prev, s));
      s.put("loss_history", fit.figures().get("loss_history"));
      return List.of(new String(Json.write(s), StandardCharsets.UTF_8)).iterator();
    }
  }

  /**
   * Writes the trained θ(t) to {@code outputDir} in the format it came in: a built-in checkpoint,
   * a Hugging Face folder (transformers and vLLM load it), or a TorchScript bundle (its module
   * with the trained weights, the same tokenizer, fresh sha256) written locally and copied to the
   * output's file system. Returns the new version.
   */
  private String save(LoadedModel trained, Map<String, Object> figures) throws Exception {
    FileSystem outFs = FileSystem.get(URI.create(outputDir), new Configuration());
    if (trained instanceof io.dualign.model.hf.HfCheckpoint.Loaded hf) {
      return io.dualign.model.hf.HfCheckpoint.save(hf, outFs, new Path(outputDir));
    }
    if (trained instanceof Checkpoint.Loaded c) {
      java.nio.file.Path tokFile = Files.createTempFile("dualign-dpo-tokenizer-", ".json");
      try {
        Files.copy(c.tokenizer().file(), tokFile,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return Checkpoint.save(c.model(), tokFile, outFs, new Path(outputDir), figures);
      } finally {
        Files.deleteIfExists(tokFile);
      }
    }
    TorchScriptModel ts = (TorchScriptModel) trained;
    java.nio.file.Path tmp = Files.createTempDirectory("dualign-dpo-bundle-");
    java.nio.file.Path local = tmp.resolve("model");
    try {
      TorchScriptBundle b = ts.torchScriptLm().save(local, "dualign align " + method
          + " iteration " + iteration + " (DPO from version " + ts.version() + ")");
      outFs.copyFromLocalFile(false, true, new Path(local.toUri()), new Path(outputDir));
      return b.manifest().version();
    } finally {
      try (var walk = Files.walk(tmp)) {
        for (java.nio.file.Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(q);
        }
      }
    }
  }

  /** The trained policy's figures on the epoch's pairs. */
  static DpoFigures figures(CausalLm policy, long pad, List<DpoExample> examples,
      int batchSize, double beta) {
    double[][] lp = SequenceLogProbs.pairValues(policy, pad,
        examples.stream().map(DpoExample::prompt).toList(),
        examples.stream().map(DpoExample::chosen).toList(),
        examples.stream().map(DpoExample::rejected).toList(), batchSize);
    double[] rc = examples.stream().mapToDouble(DpoExample::refChosen).toArray();
    double[] rr = examples.stream().mapToDouble(DpoExample::refRejected).toArray();
    return DpoFigures.of(lp[0], lp[1], rc, rr, beta);
  }
}
