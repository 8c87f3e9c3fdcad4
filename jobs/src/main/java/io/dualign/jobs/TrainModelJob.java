package io.dualign.jobs;

import ai.djl.Device;
import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.config.ModelSettings;
import io.dualign.config.TrainSettings;
import io.dualign.model.EngineThreads;
import io.dualign.model.ModelFormat;
import io.dualign.run.Json;
import io.dualign.run.OutputState;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.spark.ExecutorModels;
import io.dualign.spark.RunModels;
import io.dualign.train.PairRow;
import io.dualign.train.ScoreObjective;
import io.dualign.train.StageTraining;
import io.dualign.vocabulary.Stage;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * A {@code TrainModelJob} is one of the stages sft, train-reward and train-cost: the prepared
 * pairs go to one Spark task, which trains the model on that task's device (its Spark GPU when
 * {@code spark.task.resource.gpu.amount} gives it one and DJL sees GPUs, else the CPU; {@link
 * ExecutorModels#taskDevice}) with {@code runtime.trainThreads} PyTorch threads and writes its
 * checkpoint to {@code <stage>/model}; the task's figures, with the {@code device} it computed on
 * and the GPU addresses it held, become {@code _SUCCESS.json}.
 * When the config gives the stage's model ({@code model.policy}, {@code model.reward},
 * {@code model.cost}) the stage trains nothing and commits as provided.
 */
final class TrainModelJob implements StageJob {
  /** The checkpoint folder under a training stage's output. */
  static final String MODEL = "model";

  private final Stage stage;

  TrainModelJob(Stage stage) {
    if (stage != Stage.SFT && stage != Stage.TRAIN_REWARD && stage != Stage.TRAIN_COST) {
      throw new IllegalArgumentException("not a training stage: " + stage);
    }
    this.stage = stage;
  }

  @Override
  public Map<String, Object> run(StageContext ctx, PendingOutput out) throws Exception {
    DualignConfig cfg = ctx.config();
    RunDirectory dir = ctx.runDir();
    String given = cfg.model().provided(stage);
    if (given != null) {
      return provide(ctx, given);
    }
    String sftDir = null;
    if (stage != Stage.SFT) {
      if (dir.state(Stage.SFT.cliName()) != OutputState.COMMITTED) {
        throw new ConfigError("stage " + stage.cliName() + " starts from the sft model, which is "
            + "not committed in " + dir.root() + "; run 'dualign sft' first");
      }
      sftDir = RunModels.location(dir, Stage.SFT);
      ModelFormat f = ModelFormat.detect(new Path(sftDir).getFileSystem(
          ctx.spark().sparkContext().hadoopConfiguration()), new Path(sftDir));
      if (f == ModelFormat.TORCHSCRIPT) {
        throw new ConfigError("stage " + stage.cliName() + " initialises the "
            + (stage == Stage.TRAIN_REWARD ? "reward" : "cost") + " model from the sft model "
            + "(built-in or Hugging Face), but model.policy = " + cfg.model().policy() + " is a "
            + f.id() + " model; give " + ModelSettings.keyFor(stage) + " (a score model) as "
            + "well");
      }
    }
    TrainFn fn = new TrainFn(stage, cfg.model(), cfg.train(), cfg.run().seed(), sftDir,
        out.uri(MODEL), cfg.runtime().oneTaskThreads());
    List<String> results = PreparedPairs.read(ctx.spark(), dir, stage).coalesce(1)
        .mapPartitions(fn, Encoders.STRING()).collectAsList();
    if (results.size() != 1) {
      throw new IllegalStateException(stage.cliName() + ": expected one training task, got "
          + results.size());
    }
    Map<String, Object> summary = new LinkedHashMap<>(
        Json.readMap(results.get(0).getBytes(StandardCharsets.UTF_8)));
    summary.put("trained_in", "one Spark task");
    summary.put("checkpoint", MODEL);
    return summary;
  }

  /**
   * The stage's model is given in the config ({@code model.policy}, {@code model.reward},
   * {@code model.cost}): nothing is trained; the marker records the model (provided = true, its
   * URI, format and version), which later stages read instead of {@code <stage>/model}.
   */
  private Map<String, Object> provide(StageContext ctx, String uri) throws Exception {
    Map<String, Object> summary;
    try {
      summary = new LinkedHashMap<>(RunModels.provide(stage, uri,
          ctx.spark().sparkContext().hadoopConfiguration()));
    } catch (java.io.IOException e) {
      throw new ConfigError(stage.cliName() + ": " + e.getMessage(), e);
    }
    summary.put("trained_in", "not trained: provided by " + ModelSettings.keyFor(stage));
    return summary;
  }

  /** The one training task: all pairs in, the summary as JSON out. */
  static final class TrainFn implements MapPartitionsFunction<Row, String> {
    private static final long serialVersionUID = 1L;
    private final Stage stage;
    private final ModelSettings model;
    private final TrainSettings train;
    private final long seed;
    private final String sftDir;
    private final String modelDir;
    private final int threads;

    TrainFn(Stage stage, ModelSettings model, TrainSettings train, long seed, String sftDir,
        String modelDir, int threads) {
      this.threads = threads;
      this.stage = stage;
      this.model = model;
      this.train = train;
      this.seed = seed;
      this.sftDir = sftDir;
      this.modelDir = modelDir;
    }

    @Override
    public Iterator<String> call(Iterator<Row> rows) throws Exception {
      EngineThreads.apply(threads);
      List<PairRow> pairs = new ArrayList<>();
      while (rows.hasNext()) {
        pairs.add(PreparedPairs.toPair(rows.next()));
      }
      Path out = new Path(modelDir);
      FileSystem fs = FileSystem.get(URI.create(modelDir), new Configuration());
      Device device = ExecutorModels.taskDevice();
      Map<String, Object> s = new LinkedHashMap<>(stage == Stage.SFT
          ? StageTraining.sft(pairs, model, train, seed, fs, out, device)
          : StageTraining.scoreModel(stage == Stage.TRAIN_REWARD ? ScoreObjective.Kind.REWARD
              : ScoreObjective.Kind.COST, pairs, model, train, seed, fs, new Path(sftDir), out,
              device));
      s.put("device", ExecutorModels.deviceFigures(device));
      return List.of(new String(Json.write(s), StandardCharsets.UTF_8)).iterator();
    }
  }
}
