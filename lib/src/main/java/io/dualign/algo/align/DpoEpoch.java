package io.dualign.algo.align;

import ai.djl.Device;
import io.dualign.config.ModelSettings;
import io.dualign.config.TrainSettings;
import io.dualign.model.CausalLm;
import io.dualign.model.Checkpoint;
import io.dualign.model.EngineThreads;
import io.dualign.model.LoadedModel;
import io.dualign.model.ModelFormat;
import io.dualign.model.SequenceLogProbs;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.hf.LoraSpec;
import io.dualign.model.hf.PeftAdapter;
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
import java.io.IOException;
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
 * loads θ(t−1) (a built-in checkpoint or a TorchScript bundle) on the task's device (its Spark
 * GPU, else the CPU; recorded as {@code device}), takes one DPO epoch against
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

  private DpoEpoch(Builder b) {
    this.previous = b.previous;
    this.outputDir = b.outputDir;
    this.model = b.model;
    this.train = b.train;
    this.batchSize = b.batchSize;
    this.learningRate = b.learningRate;
    this.beta = b.beta;
    this.runSeed = b.runSeed;
    this.iteration = b.iteration;
    this.method = b.method;
    this.threads = b.threads;
  }

  /** A builder of the epoch of align {@code method}'s iteration {@code iteration}. */
  public static Builder builder(String method, int iteration) {
    return new Builder(method, iteration);
  }

  /**
   * {@code Builder} collects a DPO epoch's settings; {@link #build} refuses one left unset or out
   * of range, naming it. The DPO micro-batch is {@link #batchSize} pairs; {@code
   * train.gradAccumulation} of them make one optimizer step.
   */
  public static final class Builder {
    private final String method;
    private final int iteration;
    private ModelRef previous;
    private String outputDir;
    private ModelSettings model;
    private TrainSettings train;
    private int batchSize;
    private double learningRate = Double.NaN;
    private double beta = Double.NaN;
    private Long runSeed;
    private int threads;

    private Builder(String method, int iteration) {
      this.method = method;
      this.iteration = iteration;
    }

    /**
     * θ(t−1): a built-in checkpoint, a Hugging Face folder or a TorchScript causal-LM bundle
     * (trained through DJL with {@code trainParam}; θ(t) is then written as a new verified bundle).
     */
    public Builder previous(ModelRef v) {
      previous = v;
      return this;
    }

    /** Where θ(t) is written. */
    public Builder outputDir(String v) {
      outputDir = v;
      return this;
    }

    public Builder model(ModelSettings v) {
      model = v;
      return this;
    }

    /** The {@code train} section: schedule, clipping, LoRA, gradient accumulation. */
    public Builder train(TrainSettings v) {
      train = v;
      return this;
    }

    /** Pairs per micro-batch ({@code align.batchSize}). */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder beta(double v) {
      beta = v;
      return this;
    }

    /** The run's seed, mixed with the iteration and method into the data order's seed. */
    public Builder runSeed(long v) {
      runSeed = v;
      return this;
    }

    /** Engine threads of the task. */
    public Builder threads(int v) {
      threads = v;
      return this;
    }

    public DpoEpoch build() {
      String what = "DPO epoch of align " + method + " iteration " + iteration + ": ";
      if (previous == null || outputDir == null || model == null || train == null
          || runSeed == null) {
        throw new IllegalStateException(what + "previous, outputDir, model, train and runSeed "
            + "must all be set");
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException(what + "batch size must be >= 1, was " + batchSize);
      }
      if (!(learningRate > 0) || !(beta > 0)) {
        throw new IllegalArgumentException(what + "learning rate and beta must be > 0, were "
            + learningRate + " and " + beta);
      }
      if (threads < 1) {
        throw new IllegalArgumentException(what + "engine threads must be >= 1, was " + threads);
      }
      return new DpoEpoch(this);
    }
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
    Device device = ExecutorModels.taskDevice();
    try (LoadedModel prev = loadPolicy(seed, device)) {
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
      int accumulation = train.gradAccumulation();
      int steps = TrainingLoop.stepsFor(examples.size(), batchSize, accumulation, 1);
      ModelTrainer trainer = new ModelTrainer(policy, new OptimizerSettings((float) learningRate,
          train.warmupSteps(), steps, (float) train.weightDecay(), (float) train.gradClipNorm(),
          train.lossScale()));
      TrainingLoop.FitResult fit = TrainingLoop.fit("align " + method + " iteration " + iteration,
          trainer, objective, examples, batchSize, accumulation, 1, seed,
          train.logEverySteps());
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
      s.put("previous_version", previous.version());
      if (prev instanceof HfCheckpoint.Loaded hf && hf.model().decoder().lora() != null) {
        LoraSpec spec = hf.model().decoder().lora();
        s.put("lora_r", spec.r());
        s.put("lora_alpha", spec.alpha());
        s.put("lora_trainable_parameters", policy.trainableParameters().stream()
            .mapToLong(p -> p.getArray().size()).sum());
        s.put("lora_base", loraBase(hf));
      }
      s.put("model_format", prev.format().id());
      s.put("data_order_seed", seed);
      s.put("device", ExecutorModels.deviceFigures(device));
      s.put("model_version", save(prev, s));
      s.put("loss_history", fit.figures().get("loss_history"));
      return List.of(new String(Json.write(s), StandardCharsets.UTF_8)).iterator();
    }
  }

  /** The folder holding θ(t−1)'s LoRA adapter, inside its model folder, when it has one. */
  public static final String ADAPTER_DIR = "adapter";

  /**
   * θ(t−1) for training. With {@code train.lora.r > 0} and a Hugging Face policy: the base model
   * with θ(t−1)'s adapter ({@code <θ(t−1)>/adapter}, on the base its {@code adapter_config.json}
   * names) to train further, or, when θ(t−1) has none (the first iteration), θ(t−1) itself as the
   * base with a fresh adapter seeded by {@code seed}. Otherwise θ(t−1), every parameter trained.
   * Either way on {@code device}.
   */
  private LoadedModel loadPolicy(long seed, Device device) throws IOException {
    if (!train.lora().enabled() || previous.format() != ModelFormat.HUGGING_FACE) {
      return ExecutorModels.load(previous, device, true);
    }
    TrainSettings.Lora l = train.lora();
    LoraSpec want = new LoraSpec(l.r(), l.alpha(), l.dropout(), l.targetModules());
    if (want.dropout() > 0) {
      ai.djl.engine.Engine.getInstance().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }
    Path prevDir = new Path(previous.uri());
    FileSystem fs = prevDir.getFileSystem(new Configuration());
    Path adapterDir = new Path(prevDir, ADAPTER_DIR);
    if (!PeftAdapter.isAdapter(fs, adapterDir)) {
      HfCheckpoint.Loaded base = (HfCheckpoint.Loaded) ExecutorModels.load(previous,
          device, true);
      base.model().decoder().attachLora(want, base.model().manager(), seed);
      return base;
    }
    PeftAdapter.Header h = PeftAdapter.header(fs, adapterDir);
    if (h.spec().r() != want.r() || h.spec().alpha() != want.alpha()
        || !h.spec().targetModules().equals(want.targetModules())) {
      throw new IllegalArgumentException("align " + method + " iteration " + iteration + ": "
          + adapterDir + " is a LoRA adapter of r " + h.spec().r() + ", alpha "
          + h.spec().alpha() + " on " + h.spec().targetModules() + ", but train.lora asks for r "
          + want.r() + ", alpha " + want.alpha() + " on " + want.targetModules());
    }
    if (h.baseModel() == null) {
      throw new IllegalArgumentException(adapterDir + "/" + PeftAdapter.CONFIG + " names no "
          + "base_model_name_or_path");
    }
    Path basePath = new Path(h.baseModel());
    HfCheckpoint.Loaded base = HfCheckpoint.load(basePath.getFileSystem(new Configuration()),
        basePath, device, previous.dtype());
    try {
      PeftAdapter.attach(fs, adapterDir, base.model().decoder(), base.model().manager());
      return base;
    } catch (IOException | RuntimeException e) {
      base.close();
      throw e;
    }
  }

  /** The base model of a LoRA policy: its adapter's base, or θ(t−1) on the first iteration. */
  private String loraBase(HfCheckpoint.Loaded hf) throws IOException {
    Path prevDir = new Path(previous.uri());
    Path adapterDir = new Path(prevDir, ADAPTER_DIR);
    FileSystem fs = prevDir.getFileSystem(new Configuration());
    return PeftAdapter.isAdapter(fs, adapterDir) ? PeftAdapter.header(fs, adapterDir).baseModel()
        : previous.uri();
  }

  /**
   * Writes the trained θ(t) to {@code outputDir} in the format it came in: a built-in checkpoint,
   * a Hugging Face folder (transformers and vLLM load it; with a LoRA adapter, the merged
   * weights, and the adapter in PEFT's format in its {@code adapter/} folder), or a TorchScript
   * bundle (its module
   * with the trained weights, the same tokenizer, fresh sha256) written locally and copied to the
   * output's file system. Returns the new version.
   */
  private String save(LoadedModel trained, Map<String, Object> figures) throws Exception {
    FileSystem outFs = FileSystem.get(URI.create(outputDir), new Configuration());
    if (trained instanceof HfCheckpoint.Loaded hf) {
      String version = HfCheckpoint.save(hf, outFs, new Path(outputDir));
      if (hf.model().decoder().lora() != null) {
        PeftAdapter.write(hf.model().decoder(), outFs, new Path(outputDir, ADAPTER_DIR),
            loraBase(hf));
      }
      return version;
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
