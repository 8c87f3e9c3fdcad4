package io.dualign.jobs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dualign.algo.AlignMethod;
import io.dualign.algo.align.AlignMethods;
import io.dualign.config.DualignConfig;
import io.dualign.config.RolloutSettings;
import io.dualign.config.TrainSettings;
import io.dualign.data.PromptSplit;
import io.dualign.model.EngineThreads;
import io.dualign.model.ModelArchitecture;
import io.dualign.model.hf.HfConfig;
import io.dualign.run.marker.PrepareMarker;
import io.dualign.train.StageTraining;
import io.dualign.vocabulary.Stage;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code PipelineEstimate} is the stage-by-stage time estimate {@code pipeline} prints once the
 * data are prepared: the floating-point work of each stage (about 2 FLOPs per parameter and
 * token forward, 6 for a full training step, 4 with LoRA, where the base weights need no
 * gradient) divided by this machine's measured float32 matrix-product rate, times the share of
 * that rate each kind of work reaches (measured on SmolLM2-135M by {@code bench hf}: training
 * 0.7, a forward pass 0.9, a decoding step {@code min(0.35, 0.015 × batch)}: small batches are
 * bound by reading the weights, not by arithmetic). Sequences count at their token limits
 * ({@code model.maxPromptTokens + model.maxResponseTokens}), so data with shorter texts run
 * faster than estimated.
 */
final class PipelineEstimate {
  /** Share of the matrix-product rate a training step reaches. */
  static final double TRAIN_SHARE = 0.7;
  /** Share of the rate a batched forward pass (scoring, log-probabilities) reaches. */
  static final double FORWARD_SHARE = 0.9;
  /** Fixed cost of one stage: Spark jobs, model loads, commits. */
  static final double STAGE_SECONDS = 10;

  private PipelineEstimate() {}

  /** One stage's estimate. */
  record StageEstimate(Stage stage, double seconds, String work) {}

  /** The sizes the estimate needs from the prepared data. */
  record DataSizes(long trainPairs, long testPairs, long trainPrompts, long testPrompts,
      long extraPrompts) {}

  /** The parameters of the policy and of the score models, and whether each trains LoRA. */
  record ModelSizes(long policyParameters, long scoreParameters, boolean lora) {
    /** The sizes of the models the configuration names (the built-in shapes when trained). */
    static ModelSizes of(DualignConfig cfg, Optional<HfConfig> policy) {
      long p = policy.map(HfConfig::parameterCount).orElseGet(() -> StageTraining.architecture(
          cfg.model(), ModelArchitecture.Head.LANGUAGE_MODEL).parameterCount());
      long s = policy.isPresent() ? p : StageTraining.architecture(cfg.model(),
          ModelArchitecture.Head.SCORE).parameterCount();
      return new ModelSizes(p, s, policy.isPresent() && cfg.train().lora().enabled());
    }
  }

  /** The estimates of every stage {@code pipeline} runs, at {@code flops} FLOP/s. */
  static List<StageEstimate> of(DualignConfig cfg, DataSizes data, ModelSizes models,
      double flops) {
    Work w = new Work(cfg, models, flops);
    List<StageEstimate> out = new ArrayList<>();
    TrainSettings ts = cfg.train();
    long trainPairs = ts.maxTrainPairs() > 0 ? Math.min(ts.maxTrainPairs(), data.trainPairs())
        : data.trainPairs();
    out.add(new StageEstimate(Stage.SFT, cfg.model().policy().isEmpty()
        ? w.training(trainPairs * ts.sftEpochs(), 1, models.policyParameters(), false) : 0,
        cfg.model().policy().isEmpty() ? trainPairs + " pairs x " + ts.sftEpochs() + " epochs"
            : "provided"));
    for (Stage s : List.of(Stage.TRAIN_REWARD, Stage.TRAIN_COST)) {
      boolean provided = cfg.model().provided(s) != null;
      int epochs = s == Stage.TRAIN_REWARD ? ts.rewardEpochs() : ts.costEpochs();
      out.add(new StageEstimate(s, provided ? 0
          : w.training(trainPairs * epochs, 2, models.scoreParameters(), models.lora())
              + w.scoring(2 * data.testPairs(), 1),
          provided ? "provided" : trainPairs + " pairs x " + epochs + " epochs, "
              + data.testPairs() + " held-out pairs scored"));
    }
    RolloutSettings r = cfg.rollout();
    long refSamples = Math.min(r.prompts(), data.trainPrompts()) * (long) r.samples();
    out.add(new StageEstimate(Stage.SAMPLE_REF, w.rollouts(refSamples),
        refSamples + " samples of up to " + r.maxNewTokens() + " tokens, scored"));
    long dpoPairs = cfg.align().maxPairs() > 0 ? Math.min(cfg.align().maxPairs(),
        data.trainPairs()) : data.trainPairs();
    long scoredPairs = cfg.align().scoreAllPairs() || cfg.align().maxPairs() == 0
        ? data.trainPairs() + data.testPairs() : dpoPairs + data.testPairs();
    out.add(new StageEstimate(Stage.SCORE, w.scoring(2 * scoredPairs, w.scorers()),
        scoredPairs + " pairs x 2 responses x " + w.scorers() + " models"));
    out.add(new StageEstimate(Stage.SOLVE_DUAL, 0, "the dual on the reference samples"));
    double align = w.forward(2 * dpoPairs, models.policyParameters()); // reference log-probs
    long epochs = 0;
    long policies = 1;
    long rollouts = 0;
    for (String name : cfg.align().methods()) {
      AlignMethod m = AlignMethods.of(name);
      int t = m.iterations(cfg.align());
      epochs += t;
      policies += m.evaluatesEveryIteration() ? t : 1;
      if (m.dualUpdate(cfg.dual()).isPresent()) {
        rollouts += (long) t * cfg.align().rolloutPrompts() * cfg.align().rolloutSamples();
      }
    }
    align += epochs * w.training(dpoPairs, 2, models.policyParameters(), models.lora())
        + w.rollouts(rollouts);
    out.add(new StageEstimate(Stage.ALIGN, align, epochs + " DPO epochs of " + dpoPairs
        + " pairs, " + rollouts + " rollout samples"));
    long prompts = (cfg.evaluate().maxPrompts() > 0 ? Math.min(cfg.evaluate().maxPrompts(),
        data.testPrompts()) : data.testPrompts()) + data.extraPrompts();
    long evalSamples = policies * prompts * cfg.evaluate().samplesPerPrompt();
    out.add(new StageEstimate(Stage.EVALUATE, w.rollouts(evalSamples), policies + " policies x "
        + prompts + " prompts x " + cfg.evaluate().samplesPerPrompt() + " samples"));
    int bs = cfg.dual().sweep().size();
    if (bs > 0) {
      out.add(new StageEstimate(Stage.SWEEP, bs * (align + w.rollouts(evalSamples)),
          bs + " thresholds x (align + evaluate)"));
    }
    List<StageEstimate> withOverhead = new ArrayList<>();
    for (StageEstimate e : out) {
      withOverhead.add(new StageEstimate(e.stage(), e.seconds() + STAGE_SECONDS, e.work()));
    }
    return withOverhead;
  }

  /**
   * Prints the estimate of the run in {@code ctx} from its committed {@code prepare} marker (the
   * pair and prompt counts by split), the models it names and a measurement of this machine.
   */
  static void printFor(StageContext ctx, PrintWriter out) throws java.io.IOException {
    DualignConfig cfg = ctx.config();
    PrepareMarker p = ctx.runDir().marker(Stage.PREPARE.cliName(), PrepareMarker.class)
        .orElseThrow(() -> new IllegalStateException("prepare is not committed"));
    Map<String, Long> pairs = p.pairsBySplit() == null ? Map.of() : p.pairsBySplit();
    Map<String, Long> prompts = p.promptsBySplit() == null ? Map.of() : p.promptsBySplit();
    org.apache.hadoop.conf.Configuration hadoop = ctx.spark().sparkContext()
        .hadoopConfiguration();
    DataSizes data = new DataSizes(pairs.getOrDefault(PromptSplit.TRAIN, 0L),
        pairs.getOrDefault(PromptSplit.TEST, 0L), prompts.getOrDefault(PromptSplit.TRAIN, 0L),
        prompts.getOrDefault(PromptSplit.TEST, 0L), lines(cfg.evaluate().extraPrompts(), hadoop));
    Optional<HfConfig> policy = MemoryCheck.policyConfig(cfg.model().policy().isEmpty()
        ? Optional.empty() : Optional.of(cfg.model().policy()), hadoop);
    double flops = measureFlopsInATask(ctx.spark().sparkContext(),
        cfg.runtime().oneTaskThreads());
    print(of(cfg, data, ModelSizes.of(cfg, policy), flops), flops, out);
  }

  /** The lines of the prompt file at {@code location} ("" for none: 0). */
  private static long lines(String location, org.apache.hadoop.conf.Configuration hadoop)
      throws java.io.IOException {
    if (location.isEmpty()) {
      return 0;
    }
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(location);
    try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
        path.getFileSystem(hadoop).open(path), java.nio.charset.StandardCharsets.UTF_8))) {
      return r.lines().filter(l -> !l.isBlank()).count();
    }
  }

  /** Prints the estimates and their total. */
  static void print(List<StageEstimate> estimates, double flops, PrintWriter out) {
    out.printf(Locale.ROOT, "estimate (this machine: %.1f GFLOP/s float32 matrix products; "
        + "sequences at their token limits):%n", flops / 1e9);
    double total = 0;
    for (StageEstimate e : estimates) {
      out.printf(Locale.ROOT, "  %-13s ~%s  (%s)%n", e.stage().cliName(), minutes(e.seconds()),
          e.work());
      total += e.seconds();
    }
    out.printf(Locale.ROOT, "  %-13s ~%s%n", "total", minutes(total));
    out.flush();
  }

  static String minutes(double seconds) {
    return seconds < 90 ? String.format(Locale.ROOT, "%.0f s", seconds)
        : String.format(Locale.ROOT, "%.0f min", seconds / 60);
  }

  /**
   * {@link #measureFlops} in one Spark task with a task's PyTorch threads, as the stages compute:
   * an executor's rate, and no engine work on the driver (PyTorch started on the driver's thread
   * before the first task made a later score model's held-out scoring grow its resident memory
   * without bound, 7 to 14 GB in 30 s on SmolLM2).
   */
  static double measureFlopsInATask(org.apache.spark.SparkContext sc, int threads) {
    sc.setJobDescription("pipeline: measure the executors' matrix-product rate");
    java.util.List<Double> r = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(sc)
        .parallelize(java.util.List.of(threads), 1)
        .map(t -> {
          EngineThreads.apply(t);
          return measureFlops();
        }).collect();
    return r.get(0);
  }

  /**
   * The float32 matrix-product rate of this JVM's engine with its current threads: 512 × 512
   * products (PyTorch's CPU products are synchronous) for about half a second after a warm-up.
   */
  static double measureFlops() {
    int n = 512;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
      NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
      a.matMul(b).close();
      long reps = 0;
      long t0 = System.nanoTime();
      long elapsed;
      do {
        a.matMul(b).close();
        reps++;
        elapsed = System.nanoTime() - t0;
      } while (elapsed < 500_000_000L);
      return reps * 2.0 * n * n * n / (elapsed / 1e9);
    }
  }

  /** Seconds of each kind of work at one rate. */
  private record Work(DualignConfig cfg, ModelSizes models, double flops) {
    long tokens() {
      return cfg.model().maxPromptTokens() + cfg.model().maxResponseTokens();
    }

    int scorers() {
      return 1 + cfg.rollout().utilityScorers().size();
    }

    /** {@code pairs} training pairs of {@code sequences} sequences each. */
    double training(long pairs, int sequences, long parameters, boolean lora) {
      return pairs * sequences * tokens() * (lora ? 4.0 : 6.0) * parameters
          / (flops * TRAIN_SHARE);
    }

    /** Forward passes over {@code sequences} sequences. */
    double forward(long sequences, long parameters) {
      return sequences * tokens() * 2.0 * parameters / (flops * FORWARD_SHARE);
    }

    /** {@code rows} responses scored by each of {@code models} score models. */
    double scoring(long rows, int models) {
      return forward(rows * models, this.models.scoreParameters());
    }

    /** {@code samples} sampled responses (prefill and decoding), scored by every scorer. */
    double rollouts(long samples) {
      RolloutSettings r = cfg.rollout();
      double share = Math.min(0.35, 0.015 * r.batchSize());
      long p = models.policyParameters();
      double decode = samples * (double) r.maxNewTokens() * 2.0 * p / (flops * share);
      double prefill = samples * (double) cfg.model().maxPromptTokens() * 2.0 * p
          / (flops * FORWARD_SHARE);
      return decode + prefill + scoring(samples, scorers());
    }
  }
}
