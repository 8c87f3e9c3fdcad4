package io.dualign.algo.align;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.xxhash64;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.caid.CaidIteration;
import io.dualign.algo.caid.CaidLoop;
import io.dualign.algo.caid.ConstraintEvaluator;
import io.dualign.algo.caid.LagrangianMaximiser;
import io.dualign.config.AlignSettings;
import io.dualign.config.DualSettings;
import io.dualign.config.DualignConfig;
import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.DualState;
import io.dualign.dual.DualUpdate;
import io.dualign.run.Json;
import io.dualign.run.OutputState;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.AlignIterationMarker;
import io.dualign.run.marker.AlignMethodMarker;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.ReferenceLogProbsMarker;
import io.dualign.run.marker.RolloutFigures;
import io.dualign.run.marker.SlackFigures;
import io.dualign.run.marker.TaskDevice;
import io.dualign.spark.ModelDelivery;
import io.dualign.spark.ModelRef;
import io.dualign.spark.dual.ConstraintEstimator;
import io.dualign.spark.dual.SampleTable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code AlignRun} is the work of the {@code align} stage for one method: T iterations of
 * label → one DPO epoch (a one-task Spark stage) → (when the method has a dual update, t &lt; T)
 * rollout, aggregate û and dual step, driven by {@link CaidLoop}, each committed atomically as
 * {@code align/<method>/iteration-<t>}; then the method's own marker. A rerun continues after the
 * last committed iteration with the λ and the checkpoint it recorded. The method is read only
 * through its parts ({@link AlignMethod}: warm start, labels, dual update, iterations).
 *
 * <p>The reference log-probabilities of the train pairs are computed once per run into the
 * committed output {@code align/reference} and reused by every iteration, method and resume.
 */
public final class AlignRun {
  private static final Logger LOG = LoggerFactory.getLogger(AlignRun.class);
  public static final String STAGE = "align";
  public static final String REFERENCE = STAGE + "/reference";
  public static final String LOGPROBS = "logprobs";
  public static final String PAIRS = "pairs";
  public static final String MODEL = "model";
  public static final String ROLLOUTS = "rollouts";

  private final SparkSession spark;
  private final RunDirectory dir;
  private final DualignConfig cfg;
  private final PolicyRollouts rollouts;
  private final String runId;
  private final ModelDelivery delivery;

  /** Where the inputs are: scored pairs, π_ref's checkpoint, its samples, and λ*. */
  public record Inputs(String scoredPairs, String referenceModel, String referenceSamples,
      double[] lambdaStar) {}

  /**
   * @param rollouts the rollout implementation (only methods with a dual update use it; may be
   *     null otherwise)
   */
  public AlignRun(SparkSession spark, RunDirectory dir, DualignConfig cfg,
      PolicyRollouts rollouts, String runId) {
    this.spark = spark;
    this.dir = dir;
    this.cfg = cfg;
    this.rollouts = rollouts;
    this.runId = runId;
    this.delivery = ModelDelivery.of(spark.sparkContext(), cfg);
  }

  /** The model folder {@code dir} as the executors get it ({@code runtime.modelDelivery}). */
  private ModelRef deliver(String dir) {
    try {
      return delivery.deliver(ModelRef.of(dir, spark.sparkContext().hadoopConfiguration()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("align: cannot read the model in " + dir, e);
    }
  }

  /** The output of a method: {@code align/<method>}. */
  public static String methodOutput(AlignMethod m) {
    return STAGE + "/" + m.cliName();
  }

  /** The output of one iteration: {@code align/<method>/iteration-<t>}. */
  public static String iterationOutput(AlignMethod m, int t) {
    return methodOutput(m) + "/iteration-" + t;
  }

  /** The last iteration t such that 1..t are all committed (0: none). */
  public int lastCommitted(AlignMethod m) {
    int t = 0;
    while (t < m.iterations(cfg.align())
        && dir.state(iterationOutput(m, t + 1)) == OutputState.COMMITTED) {
      t++;
    }
    return t;
  }

  /**
   * Runs (or resumes, or skips when committed) {@code method}; returns its marker.
   */
  public AlignMethodMarker run(AlignMethod method, Inputs in) throws Exception {
    try {
      return runMethod(method, in);
    } finally {
      delivery.close(); // the broadcasts of this method's models
    }
  }

  private AlignMethodMarker runMethod(AlignMethod method, Inputs in) throws Exception {
    String out = methodOutput(method);
    if (dir.state(out) == OutputState.COMMITTED) {
      LOG.info("align {}: already committed", method.cliName());
      return dir.marker(out, AlignMethodMarker.class).orElseThrow();
    }
    AlignSettings as = cfg.align();
    DualSettings ds = cfg.dual();
    Optional<DualUpdate> update = method.dualUpdate(ds);
    int iterations = method.iterations(as);
    if (update.isPresent() && rollouts == null) {
      throw new IllegalStateException("align " + method.cliName() + " needs a rollout "
          + "implementation");
    }
    List<Constraint> constraints = ds.constraints();
    Dataset<Row> reference = referenceLogProbs(in);
    Dataset<Row> scored = spark.read().schema(AlignPairs.scoredSchema(constraints))
        .parquet(in.scoredPairs());
    Dataset<Row> train = AlignPairs.trainPairs(scored, as.maxPairs())
        .join(reference, AlignPairs.PAIR_ID);
    Dataset<Row> refSamples = update.isPresent() ? spark.read()
        .schema(SampleTable.schema(constraints)).parquet(in.referenceSamples()) : null;

    double[] warm = method.warmStart().lambda(in.lambdaStar(), ds);
    int done = lastCommitted(method);
    String previousModel = in.referenceModel();
    DualState start = new DualState(1, warm);
    if (done == iterations) {
      LOG.info("align {}: all {} iterations committed; writing the method's marker",
          method.cliName(), done);
      return commitMethod(method, constraints);
    }
    if (done > 0) {
      AlignIterationMarker last = dir.marker(iterationOutput(method, done),
          AlignIterationMarker.class).orElseThrow();
      previousModel = new Path(dir.path(iterationOutput(method, done)), MODEL).toString();
      start = new DualState(done + 1, lambdaFrom(last.nextLambda(), constraints));
      LOG.info("align {}: resuming after committed iteration {} with {}", method.cliName(), done,
          start);
    }
    final String[] previous = {previousModel};
    LagrangianMaximiser<IterationPolicy> maximiser = (prev, lambda, t) -> {
      String prevDir = prev == null ? previous[0] : prev.committedModel();
      return maximise(method, train, prevDir, lambda, t);
    };
    ConstraintEvaluator<IterationPolicy> evaluator = update.isPresent()
        ? (policy, t) -> evaluate(method, policy, scored, refSamples, t) : null;
    CaidLoop<IterationPolicy> loop = new CaidLoop<>(maximiser, evaluator, update.orElse(null),
        iterations);
    LOG.info("align {}: iterations {}..{} from λ = {} with {}", method.cliName(),
        start.iteration(), iterations, Arrays.toString(start.lambda()),
        update.isPresent() ? update.get() : "λ fixed");
    String updateName = update.map(Object::toString).orElse("none");
    loop.resume(null, start, it -> commit(method, it, constraints, updateName));
    return commitMethod(method, constraints);
  }

  /**
   * A policy θ(t) being made: its pending output and the figures gathered so far (those of its
   * DPO epoch; its rollout's once evaluated).
   */
  record IterationPolicy(int iteration, PendingOutput out, String committedModel,
      double relabelSeconds, Map<String, Object> dpo, String previousModel, TaskDevice device,
      AtomicReference<RolloutFigures> rollout) {}

  private IterationPolicy maximise(AlignMethod method, Dataset<Row> train, String prevDir,
      double[] lambda, int t) {
    AlignSettings as = cfg.align();
    String output = iterationOutput(method, t);
    PendingOutput out = dir.begin(output);
    long t0 = System.nanoTime();
    Dataset<Row> labelled = method.labels().label(train, cfg.dual().constraints(), lambda,
        cfg.dual().relabelTemperature(), cfg.run().seed(), t)
        .withColumn("run_id", lit(runId)).withColumn("iteration", lit(t));
    labelled.write().parquet(out.uri(PAIRS));
    double relabelSeconds = (System.nanoTime() - t0) / 1e9;
    DpoEpoch epoch = DpoEpoch.builder(method.cliName(), t).previous(deliver(prevDir))
        .outputDir(out.uri(MODEL)).model(cfg.model()).train(cfg.train())
        .batchSize(as.batchSize()).learningRate(as.learningRate()).beta(cfg.dual().beta())
        .runSeed(cfg.run().seed()).threads(cfg.runtime().oneTaskThreads()).build();
    List<String> results = spark.read().parquet(out.uri(PAIRS)).select(
        AlignPairs.trainingColumns()).coalesce(1).mapPartitions(epoch, Encoders.STRING())
        .collectAsList();
    if (results.size() != 1) {
      throw new IllegalStateException("align " + method.cliName() + " iteration " + t
          + ": expected one DPO task, got " + results.size());
    }
    Map<String, Object> dpo;
    try {
      dpo = Json.readMap(results.get(0).getBytes(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("align: unreadable DPO figures " + results.get(0), e);
    }
    TaskDevice device = dpo.get("device") == null ? null : Markers.parse(
        Json.write(dpo.get("device")), TaskDevice.class, "the DPO figures of " + output);
    LOG.info("align {} iteration {}: DPO epoch done: {}", method.cliName(), t, dpo);
    return new IterationPolicy(t, out, new Path(dir.path(output), MODEL).toString(),
        relabelSeconds, dpo, prevDir, device, new AtomicReference<>());
  }

  private ConstraintEstimate evaluate(AlignMethod method, IterationPolicy policy,
      Dataset<Row> scored, Dataset<Row> refSamples, int t) {
    AlignSettings as = cfg.align();
    Dataset<Row> prompts = AlignPairs.trainPairs(scored, 0)
        .select(col(AlignPairs.PROMPT_ID), col(AlignPairs.PROMPT)).dropDuplicates(
            AlignPairs.PROMPT_ID)
        .orderBy(xxhash64(lit(cfg.run().seed()), lit(t), col(AlignPairs.PROMPT_ID)),
            col(AlignPairs.PROMPT_ID))
        .limit(as.rolloutPrompts());
    long t0 = System.nanoTime();
    rollouts.rollout(spark, prompts, policy.out().uri(MODEL), runId, t, as.rolloutSamples())
        .write().parquet(policy.out().uri(ROLLOUTS));
    double seconds = (System.nanoTime() - t0) / 1e9;
    Dataset<Row> written = spark.read().parquet(policy.out().uri(ROLLOUTS));
    Row counts = written.agg(org.apache.spark.sql.functions.count(lit(1)),
        sum(col(SampleTable.RESPONSE_TOKENS))).first();
    long rows = counts.getLong(0);
    long tokens = counts.isNullAt(1) ? 0 : counts.getLong(1);
    policy.rollout().set(new RolloutFigures(as.rolloutPrompts(), as.rolloutSamples(), rows,
        tokens, seconds, seconds > 0 ? rows / seconds : null,
        seconds > 0 ? tokens / seconds : null));
    ConstraintEstimate e = ConstraintEstimator.estimate(written, refSamples,
        cfg.dual().constraints());
    LOG.info("align {} iteration {}: û = {} ± {} from {} rollouts in {} s", method.cliName(), t,
        Arrays.toString(e.slack()), Arrays.toString(e.standardError()), rows,
        String.format(Locale.ROOT, "%.1f", seconds));
    return e;
  }

  private void commit(AlignMethod method, CaidIteration<IterationPolicy> it,
      List<Constraint> constraints, String dualUpdate) {
    IterationPolicy p = it.policy();
    AlignIterationMarker s = new AlignIterationMarker(runId, method.cliName(), it.iteration(),
        it.lambda().toMap(constraints),
        it.estimate() == null ? null : SlackFigures.of(it.estimate()),
        it.nextLambda() == null ? null : it.nextLambda().toMap(constraints), dualUpdate,
        p.relabelSeconds(), p.dpo(), p.previousModel(), p.device(), p.rollout().get(), MODEL,
        PAIRS, null, null, null, null, null, null);
    Map<String, Object> marker = p.out().commit(Markers.toMap(s));
    LOG.info("align {}: committed iteration {} (λ {} -> {}) in {} s", method.cliName(),
        it.iteration(), it.lambda(), it.nextLambda(), marker.get("seconds"));
  }

  private AlignMethodMarker commitMethod(AlignMethod method, List<Constraint> constraints) {
    int t = method.iterations(cfg.align());
    List<Map<String, Double>> trajectory = new ArrayList<>();
    List<List<SlackFigures>> estimates = new ArrayList<>();
    AlignIterationMarker last = null;
    for (int i = 1; i <= t; i++) {
      AlignIterationMarker m = dir.marker(iterationOutput(method, i), AlignIterationMarker.class)
          .orElseThrow(() -> new IllegalStateException("iteration missing"));
      trajectory.add(m.lambda());
      estimates.add(m.estimate());
      last = m;
    }
    AlignMethodMarker s = new AlignMethodMarker(runId, method.cliName(), t, trajectory,
        estimates, last.lambda(), last.dpo(), "iteration-" + t + "/" + MODEL, cfg.dual().beta(),
        null, null, null, null, null);
    String output = methodOutput(method);
    return Markers.fromMap(dir.commitComposite(output, Markers.toMap(s)), AlignMethodMarker.class,
        output);
  }

  private Dataset<Row> referenceLogProbs(Inputs in) throws Exception {
    if (dir.state(REFERENCE) != OutputState.COMMITTED) {
      PendingOutput out = dir.begin(REFERENCE);
      ModelRef ref = deliver(in.referenceModel());
      String version = ref.version();
      Dataset<Row> scored = spark.read().schema(AlignPairs.scoredSchema(cfg.dual().constraints()))
          .parquet(in.scoredPairs());
      long t0 = System.nanoTime();
      ReferenceLogProbs.compute(AlignPairs.trainPairs(scored, cfg.align().maxPairs()),
          ref, cfg.model(), cfg.align().batchSize(),
          cfg.runtime().djlThreadsPerTask()).write().parquet(out.uri(LOGPROBS));
      long n = spark.read().parquet(out.uri(LOGPROBS)).count();
      out.commit(Markers.toMap(new ReferenceLogProbsMarker(runId, n, in.referenceModel(),
          version, ref.format().id(), (System.nanoTime() - t0) / 1e9, null, null, null, null,
          null, null)));
      LOG.info("align: reference log-probabilities of {} train pairs committed", n);
    }
    return spark.read().schema(ReferenceLogProbs.SCHEMA)
        .parquet(new Path(dir.path(REFERENCE), LOGPROBS).toString())
        .select(AlignPairs.PAIR_ID, ReferenceLogProbs.REF_0, ReferenceLogProbs.REF_1);
  }

  static double[] lambdaFrom(Map<String, Double> recorded, List<Constraint> constraints) {
    double[] l = new double[constraints.size()];
    for (int i = 0; i < l.length; i++) {
      Double v = recorded == null ? null : recorded.get(constraints.get(i).name());
      if (v == null) {
        throw new IllegalStateException("committed iteration records no λ for constraint "
            + constraints.get(i).name() + ": " + recorded);
      }
      l[i] = v;
    }
    return l;
  }
}
