package io.dualign.jobs.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import ai.djl.Device;
import io.dualign.config.DualignConfig;
import io.dualign.config.ModelSettings;
import io.dualign.config.RolloutSettings;
import io.dualign.config.UtilityScorer;
import io.dualign.jobs.Dualign;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.Checkpoint;
import io.dualign.model.EngineThreads;
import io.dualign.model.Generation;
import io.dualign.model.Generator;
import io.dualign.model.ModelArchitecture;
import io.dualign.spark.ExecutorModelCache;
import io.dualign.spark.ExecutorModels;
import io.dualign.spark.ModelRef;
import io.dualign.spark.PairScoring;
import io.dualign.spark.RolloutMetrics;
import io.dualign.spark.RolloutSpec;
import io.dualign.spark.Rollouts;
import io.dualign.spark.ScoringSpec;
import io.dualign.spark.Seeds;
import io.dualign.spark.TextScorers;
import io.dualign.text.BpeTrainer;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code RolloutBench} is {@code dualign bench rollout}: (1) tokens/s of the sample-ref rollout
 * ({@link Rollouts}) on the session's executors against the same policy's single-process batched
 * generation loop over the same prompts, seeds and batch size, like for like twice: generation
 * only on both sides ({@link Rollouts#sampleUnscored}) and generation + reward and cost scoring on
 * both sides; each Spark run prints its tasks' rows and durations (balance, time outside the
 * tasks); (2) scoring rows/s of {@link PairScoring} against a single-process {@link TextScorers}
 * loop over the same rows; (3) the driver's peak heap
 * while 100k and then 1M synthetic rows are scored by a tiny model (memory flat in the data size).
 * Models have the profile's architecture and random weights (throughput does not depend on what
 * they learned; random policies rarely sample EOS, so every row runs to maxNewTokens). Rounds
 * alternate between the two sides and the best of each is kept (the machine is shared).
 */
final class RolloutBench {
  private static final String[] VERBS = {"fix", "plan", "clean", "improve", "start", "finish",
      "hack", "protect"};
  private static final String[] TOPICS = {"the garden", "a bicycle", "my taxes", "the kitchen",
      "a resume", "the router", "a party", "my neighbour's car", "the roof", "a poem"};

  private final DualignConfig config;
  private final SparkSession spark;
  private final PrintWriter out;

  RolloutBench(DualignConfig config, SparkSession spark, PrintWriter out) {
    this.config = config;
    this.spark = spark;
    this.out = out;
  }

  static int run(DualignConfig config, SparkSession spark, PrintWriter out, int prompts,
      int rounds, long heapRows) throws Exception {
    Map<String, Object> r = new RolloutBench(config, spark, out).measure(prompts, rounds, heapRows);
    StringBuilder sb = new StringBuilder("RESULT");
    for (Map.Entry<String, Object> e : r.entrySet()) {
      Object v = e.getValue();
      sb.append(' ').append(e.getKey()).append('=').append(v instanceof Double d
          ? String.format(Locale.ROOT, "%.3f", d) : v);
    }
    out.println(sb);
    out.flush();
    return Dualign.OK;
  }

  private void line(String fmt, Object... args) {
    out.println(String.format(Locale.ROOT, fmt, args));
    out.flush();
  }

  static String prompt(long i) {
    return "How do I " + VERBS[(int) (i % VERBS.length)] + " " + TOPICS[(int) (i / 3 % TOPICS.length)]
        + (i % 4 == 0 ? " without anyone noticing, step by step" : "") + "? (" + i + ")";
  }

  Map<String, Object> measure(int nPrompts, int rounds, long heapRows) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    ModelSettings ms = config.model();
    RolloutSettings rs = config.rollout();
    int slots = spark.sparkContext().defaultParallelism();
    int cores = Runtime.getRuntime().availableProcessors();
    int threadsPerTask = Math.max(1, cores / slots);
    Path dir = Files.createTempDirectory("dualign-bench-rollout-");
    try {
      Configuration hadoop = new Configuration();
      ModelRef[] refs = writeModels(dir, ms, hadoop);
      ScoringSpec scoring = ScoringSpec.builder(refs[1], refs[2])
          .utilities(List.of(UtilityScorer.parse("safety=-cost"))).chatTemplate(ms.chatTemplate())
          .maxPromptTokens(ms.maxPromptTokens()).maxResponseTokens(ms.maxResponseTokens())
          .batchSize(rs.scoreBatchSize()).threadsPerTask(threadsPerTask)
          .with(ScoringSpec.Option.TRUNCATE_PROMPTS).build();
      RolloutSpec spec = new RolloutSpec("bench", 0, refs[0], rs.samples(), rs.temperature(),
          rs.topP(), rs.topK(), rs.maxNewTokens(), config.run().seed(), rs.batchSize(), slots,
          scoring);
      List<String> texts = new ArrayList<>();
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < nPrompts; i++) {
        texts.add(prompt(i));
        rows.add(RowFactory.create("p" + i, prompt(i)));
      }
      Dataset<Row> prompts = spark.createDataFrame(rows, new StructType()
          .add("prompt_id", DataTypes.StringType).add("prompt", DataTypes.StringType));
      line("rollout: %d prompts x %d samples, up to %d new tokens, batch %d; %s on %s (%d task "
          + "slots x %d PyTorch threads) vs one process", nPrompts, rs.samples(),
          rs.maxNewTokens(), rs.batchSize(), spark.sparkContext().master(), "Spark", slots,
          threadsPerTask);

      // Warm-up: load every model on both sides once.
      Rollouts.sample(spark, prompts.limit(2), spec.withPartitions(1)).write().format("noop")
          .mode("overwrite").save();
      int loopThreads = bestLoopThreads(refs[0], texts, spec, ms, cores);
      Sides sides = new Sides(refs[0], texts, prompts, spec, scoring, ms, slots, threadsPerTask,
          loopThreads);
      compareRollouts(sides, rounds, r);
      compareScoring(sides, nPrompts * rs.samples() * 4, rounds, r);
      heap(dir, hadoop, heapRows, slots, threadsPerTask, r);
    } finally {
      ExecutorModelCache.closeAll();
      deleteTree(dir);
    }
    return r;
  }

  /**
   * What the two sides of a comparison share: the policy, the prompts (as texts for the single
   * process, as rows for Spark), the rollout and scoring specs, and each side's parallelism.
   */
  private record Sides(ModelRef policy, List<String> texts, Dataset<Row> prompts,
      RolloutSpec spec, ScoringSpec scoring, ModelSettings ms, int slots, int threadsPerTask,
      int loopThreads) {}

  /**
   * The single process's best thread count: all cores (as many PyTorch threads as the Spark
   * side's tasks x threads) or one (on a loaded machine OpenMP threads spin against other
   * processes and one thread can be faster), chosen by timing one batch with each.
   */
  private int bestLoopThreads(ModelRef policy, List<String> texts, RolloutSpec spec,
      ModelSettings ms, int cores) throws Exception {
    int loopThreads = cores;
    if (cores > 1) {
      double best = 0;
      for (int threads : List.of(cores, 1)) {
        EngineThreads.apply(threads);
        long t0 = System.nanoTime();
        long n = generateLoop(policy, texts, spec, ms, null, spec.batchSize());
        double tps = n / ((System.nanoTime() - t0) / 1e9);
        line("single process, %d PyTorch thread(s): %.1f tokens/s on one batch", threads, tps);
        if (tps > best) {
          best = tps;
          loopThreads = threads;
        }
      }
    }
    return loopThreads;
  }

  /**
   * Two like-for-like comparisons, alternating sides: generation only (the sample-ref partition
   * function with its scorers off vs a plain generation loop), and generation + reward and cost
   * scoring of every sample (sample-ref as it runs vs the loop scoring all its texts in one call
   * with the same scorers and score batch size).
   */
  private void compareRollouts(Sides sides, int rounds, Map<String, Object> r) throws Exception {
    double[] best = new double[4]; // loop gen, spark gen, loop scored, spark scored
    long tokens = 0;
    TextScorers loopScorers = new TextScorers(sides.scoring(), Device.cpu());
    for (int round = 0; round < rounds; round++) {
      for (int scored = 0; scored < 2; scored++) {
        tokens = rolloutRound(sides, round, scored, loopScorers, best);
      }
    }
    r.put("single_threads", sides.loopThreads());
    r.put("spark_tasks_x_threads", sides.slots() + "x" + sides.threadsPerTask());
    r.put("rollout_tokens", tokens);
    r.put("spark_gen_tokens_per_s", best[1]);
    r.put("single_gen_tokens_per_s", best[0]);
    r.put("rollout_gen_ratio", best[1] / best[0]);
    r.put("spark_tokens_per_s", best[3]);
    r.put("single_tokens_per_s", best[2]);
    r.put("rollout_ratio", best[3] / best[2]);
    line("rollout, generation only: best Spark %.1f tokens/s vs single process %.1f tokens/s: "
        + "ratio %.2f (goal >= 0.85)", best[1], best[0], best[1] / best[0]);
    line("rollout, generation + scoring (sample-ref): best Spark %.1f tokens/s vs single "
        + "process %.1f tokens/s: ratio %.2f (goal >= 0.85)", best[3], best[2],
        best[3] / best[2]);
  }

  /**
   * One round of one comparison ({@code scored} 1: with scoring), single process then Spark;
   * keeps each side's best tokens/s in {@code best} and returns the tokens Spark generated.
   */
  private long rolloutRound(Sides sides, int round, int scored, TextScorers loopScorers,
      double[] best) throws Exception {
    String kind = scored == 1 ? "generate + score" : "generate";
    EngineThreads.apply(sides.loopThreads());
    long t0 = System.nanoTime();
    long loopTokens = generateLoop(sides.policy(), sides.texts(), sides.spec(), sides.ms(),
        scored == 1 ? loopScorers : null, Integer.MAX_VALUE);
    double loopS = (System.nanoTime() - t0) / 1e9;
    spark.sparkContext().setJobDescription("bench rollout: " + kind + ", round " + round);
    RolloutMetrics metrics = RolloutMetrics.register(spark.sparkContext(),
        "bench rollout " + round + " " + kind);
    TaskProfile profile = new TaskProfile(metrics);
    spark.sparkContext().addSparkListener(profile);
    t0 = System.nanoTime();
    Dataset<Row> rolled = scored == 1
        ? Rollouts.sample(spark, sides.prompts(), sides.spec(), metrics)
        : Rollouts.sampleUnscored(sides.prompts(), sides.spec(), metrics);
    Row sum = rolled.agg(functions.sum("response_tokens"), functions.count("*"),
        functions.count("error")).first();
    double sparkS = (System.nanoTime() - t0) / 1e9;
    spark.sparkContext().listenerBus().waitUntilEmpty();
    spark.sparkContext().removeSparkListener(profile);
    long tokens = sum.getLong(0);
    if (sum.getLong(2) > 0) {
      throw new IllegalStateException(sum.getLong(2) + " rollout rows failed");
    }
    if (loopTokens != tokens) {
      throw new IllegalStateException("the two sides generated different token counts ("
          + kind + "): Spark " + tokens + ", single process " + loopTokens);
    }
    line("round %d, %s: single process (%d thread(s)) %,d tokens in %.2f s = %.1f "
        + "tokens/s; Spark (%d tasks x %d thread(s)) %.2f s = %.1f tokens/s: ratio %.2f",
        round, kind, sides.loopThreads(), loopTokens, loopS, loopTokens / loopS, sides.slots(),
        sides.threadsPerTask(), sparkS, tokens / sparkS, loopS / sparkS);
    line("  Spark tasks: %s", profile.describe(sparkS));
    best[2 * scored] = Math.max(best[2 * scored], loopTokens / loopS);
    best[2 * scored + 1] = Math.max(best[2 * scored + 1], tokens / sparkS);
    return tokens;
  }

  /**
   * Scoring: the same {@code scoreRows} (prompt, response) rows through PairScoring on Spark and
   * in one loop.
   */
  private void compareScoring(Sides sides, int scoreRows, int rounds, Map<String, Object> r)
      throws Exception {
    int slots = sides.slots();
    Dataset<Row> pairs = syntheticPairs(scoreRows / 2, slots);
    List<String> ps = new ArrayList<>();
    List<String> ys = new ArrayList<>();
    for (Row p : pairs.collectAsList()) {
      ps.add(p.getString(2));
      ys.add(p.getString(3));
      ps.add(p.getString(2));
      ys.add(p.getString(4));
    }
    double bestSparkRows = 0;
    double bestLoopRows = 0;
    for (int round = 0; round < rounds; round++) {
      EngineThreads.apply(sides.loopThreads());
      long t0 = System.nanoTime();
      TextScorers loop = new TextScorers(sides.scoring(), Device.cpu());
      TextScorers.Scores s = loop.score(ps, ys, null);
      double loopS = (System.nanoTime() - t0) / 1e9;
      checkNoErrors(s.error());
      spark.sparkContext().setJobDescription("bench rollout: scoring round " + round);
      RolloutMetrics metrics = RolloutMetrics.register(spark.sparkContext(),
          "bench scoring " + round);
      TaskProfile profile = new TaskProfile(metrics);
      spark.sparkContext().addSparkListener(profile);
      t0 = System.nanoTime();
      PairScoring.score(pairs, sides.scoring(), slots, metrics).write().format("noop")
          .mode("overwrite").save();
      double sparkS = (System.nanoTime() - t0) / 1e9;
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(profile);
      line("scoring round %d: Spark %,d rows in %.2f s = %.0f rows/s; single process %.2f s = "
          + "%.0f rows/s: ratio %.2f", round, ps.size(), sparkS, ps.size() / sparkS, loopS,
          ps.size() / loopS, loopS / sparkS);
      line("  Spark tasks (rows = pairs): %s", profile.describe(sparkS));
      bestSparkRows = Math.max(bestSparkRows, ps.size() / sparkS);
      bestLoopRows = Math.max(bestLoopRows, ps.size() / loopS);
    }
    r.put("score_rows", ps.size());
    r.put("spark_score_rows_per_s", bestSparkRows);
    r.put("single_score_rows_per_s", bestLoopRows);
    r.put("score_ratio", bestSparkRows / bestLoopRows);
    line("scoring: best Spark %.0f rows/s vs single process %.0f rows/s: ratio %.2f (goal >= "
        + "0.85)", bestSparkRows, bestLoopRows, bestSparkRows / bestLoopRows);
  }

  private static void checkNoErrors(String[] errors) {
    for (String e : errors) {
      if (e != null) {
        throw new IllegalStateException("the single-process scorer failed a row: " + e);
      }
    }
  }

  /** The driver's peak heap while {@code n / 10} and then {@code n} rows are scored. */
  private void heap(Path dir, Configuration hadoop, long n, int slots, int threads,
      Map<String, Object> r) throws Exception {
    ModelArchitecture tiny = new ModelArchitecture(ModelArchitecture.Head.SCORE, 300, 32, 16, 1,
        2, 32);
    Path tok = dir.resolve("tiny-tokenizer.json");
    new BpeTrainer(300).train(List.of(prompt(0), prompt(1), "First do it. I cannot help.")).write(tok);
    FileSystem fs = FileSystem.getLocal(hadoop);
    ModelRef[] score = new ModelRef[2];
    for (int i = 0; i < 2; i++) {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir.resolve("tiny-" + i)
          .toString());
      try (BuiltInTransformer m = BuiltInTransformer.create(tiny, 5 + i, Device.cpu())) {
        Checkpoint.save(m, tok, fs, p, Map.of());
      }
      score[i] = ModelRef.of(p.toString(), hadoop);
    }
    ScoringSpec spec = ScoringSpec.builder(score[0], score[1])
        .utilities(List.of(UtilityScorer.parse("safety=-cost"))).chatTemplate("U: {prompt} A:")
        .maxPromptTokens(24).maxResponseTokens(8).batchSize(256).threadsPerTask(threads)
        .with(ScoringSpec.Option.TRUNCATE_PROMPTS).build();
    line("driver heap: scoring %,d and %,d synthetic rows (pairs x 2 responses) with a tiny "
        + "%s and short texts (prompts <= 24 tokens, responses <= 8), %d partitions",
        n / 10, n, tiny.describe(), slots * 4);
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    LiveHeap live = new LiveHeap();
    long[] livePeaks = new long[2];
    long[] peaks = new long[2];
    double[] seconds = new double[2];
    long[] after = new long[2];
    long[] sizes = {n / 10, n};
    for (int i = 0; i < 2; i++) {
      Dataset<Row> pairs = syntheticPairs(sizes[i] / 2, slots * 4);
      System.gc();
      live.reset();
      AtomicLong peak = new AtomicLong(mem.getHeapMemoryUsage().getUsed());
      AtomicBoolean done = new AtomicBoolean();
      Thread sampler = startHeapSampler(mem, peak, done);
      spark.sparkContext().setJobDescription("bench rollout: score " + sizes[i] + " rows");
      long t0 = System.nanoTime();
      PairScoring.score(pairs, spec, slots * 4, null).write().format("noop").mode("overwrite")
          .save();
      seconds[i] = (System.nanoTime() - t0) / 1e9;
      done.set(true);
      sampler.join();
      peaks[i] = peak.get();
      livePeaks[i] = live.peak();
      System.gc();
      after[i] = mem.getHeapMemoryUsage().getUsed();
      line("  %,d rows in %.1f s (%.0f rows/s): peak driver heap used %.1f MB (garbage "
          + "included: follows the collector's young-generation sizing), peak live heap %.1f MB "
          + "(largest heap after a collection, %d collections), %.1f MB after the job",
          sizes[i], seconds[i], sizes[i] / seconds[i], peaks[i] / 1e6, livePeaks[i] / 1e6,
          live.collections(), after[i] / 1e6);
    }
    live.close();
    r.put("heap_rows_small", sizes[0]);
    r.put("heap_rows_large", sizes[1]);
    r.put("peak_heap_mb_small", peaks[0] / 1e6);
    r.put("peak_heap_mb_large", peaks[1] / 1e6);
    r.put("peak_heap_ratio", (double) peaks[1] / peaks[0]);
    r.put("peak_live_heap_mb_small", livePeaks[0] / 1e6);
    r.put("peak_live_heap_mb_large", livePeaks[1] / 1e6);
    r.put("peak_live_heap_ratio", (double) livePeaks[1] / livePeaks[0]);
    r.put("heap_after_gc_mb_large", after[1] / 1e6);
    r.put("large_score_rows_per_s", sizes[1] / seconds[1]);
    line("driver heap: peak live %.1f MB vs %.1f MB: ratio %.2f (goal <= 1.5); peak used %.1f MB "
        + "vs %.1f MB: ratio %.2f", livePeaks[1] / 1e6, livePeaks[0] / 1e6,
        (double) livePeaks[1] / livePeaks[0], peaks[1] / 1e6, peaks[0] / 1e6,
        (double) peaks[1] / peaks[0]);
  }

  /** A daemon thread that raises {@code peak} to the heap used every 20 ms until {@code done}. */
  private static Thread startHeapSampler(MemoryMXBean mem, AtomicLong peak, AtomicBoolean done) {
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    return sampler;
  }

  /**
   * The largest heap occupancy right after a garbage collection (the live data) since the last
   * reset, from the collectors' notifications.
   */
  private static final class LiveHeap implements javax.management.NotificationListener,
      AutoCloseable {
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();
    private final List<javax.management.NotificationEmitter> emitters = new ArrayList<>();
    private final java.util.Set<String> heapPools = new java.util.HashSet<>();

    LiveHeap() {
      for (java.lang.management.MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
        if (p.getType() == java.lang.management.MemoryType.HEAP) {
          heapPools.add(p.getName());
        }
      }
      for (java.lang.management.GarbageCollectorMXBean gc
          : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc instanceof javax.management.NotificationEmitter e) {
          e.addNotificationListener(this, null, null);
          emitters.add(e);
        }
      }
    }

    @Override
    public void handleNotification(javax.management.Notification n, Object handback) {
      if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
          .equals(n.getType())) {
        return;
      }
      com.sun.management.GarbageCollectionNotificationInfo info =
          com.sun.management.GarbageCollectionNotificationInfo.from(
              (javax.management.openmbean.CompositeData) n.getUserData());
      long used = 0;
      for (Map.Entry<String, java.lang.management.MemoryUsage> u
          : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
        if (heapPools.contains(u.getKey())) { // the map holds every pool, non-heap too
          used += u.getValue().getUsed();
        }
      }
      peak.accumulateAndGet(used, Math::max);
      collections.incrementAndGet();
    }

    void reset() {
      peak.set(0);
      collections.set(0);
    }

    long peak() {
      return peak.get();
    }

    long collections() {
      return collections.get();
    }

    @Override
    public void close() {
      for (javax.management.NotificationEmitter e : emitters) {
        try {
          e.removeNotificationListener(this);
        } catch (javax.management.ListenerNotFoundException ignored) {
          // already removed
        }
      }
    }
  }

  /**
   * Where a Spark rollout's time went, from its task-end events: the rollout tasks (those that
   * added to the metrics) with their rows and durations, and every other task (range sampling,
   * the shuffle that balances partitions).
   */
  private static final class TaskProfile extends org.apache.spark.scheduler.SparkListener {
    private final long rowsId;
    private final List<long[]> rollout = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong otherTasks = new AtomicLong();
    private final AtomicLong otherMs = new AtomicLong();

    TaskProfile(RolloutMetrics metrics) {
      this.rowsId = metrics.rows().id();
    }

    @Override
    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
      long rows = -1;
      for (org.apache.spark.scheduler.AccumulableInfo a
          : scala.jdk.javaapi.CollectionConverters.asJava(e.taskInfo().accumulables())) {
        if (a.id() == rowsId && a.update().isDefined() && a.update().get() instanceof Number n) {
          rows = n.longValue();
        }
      }
      if (rows >= 0) {
        long run = e.taskMetrics() == null ? -1 : e.taskMetrics().executorRunTime();
        rollout.add(new long[] {rows, e.taskInfo().duration(), run});
      } else {
        otherTasks.incrementAndGet();
        otherMs.addAndGet(e.taskInfo().duration());
      }
    }

    String describe(double wallSeconds) {
      StringBuilder rows = new StringBuilder();
      StringBuilder secs = new StringBuilder();
      long longest = 0;
      for (long[] t : rollout) {
        rows.append(rows.length() == 0 ? "" : "/").append(t[0]);
        secs.append(secs.length() == 0 ? "" : "/").append(String.format(Locale.ROOT, "%.2f",
            t[1] / 1e3));
        longest = Math.max(longest, t[1]);
      }
      return String.format(Locale.ROOT, "%d working tasks, rows %s, durations %s s (longest = "
          + "%.0f%% of the job's %.2f s); %d other tasks (range sampling, shuffle) %.2f s in all",
          rollout.size(), rows, secs, 100 * longest / 1e3 / wallSeconds, wallSeconds,
          otherTasks.get(), otherMs.get() / 1e3);
    }
  }

  /** {@code n} synthetic pairs made by Spark (nothing on the driver). */
  private Dataset<Row> syntheticPairs(long n, int partitions) {
    return spark.range(0, n, 1, partitions).select(
        concat(lit("pair-"), col("id")).as("pair_id"),
        concat(lit("p-"), col("id")).as("prompt_id"),
        concat(lit("How do I fix the garden number "), col("id"), lit("?")).as("prompt"),
        concat(lit("First water it. Then plant "), col("id").mod(7), lit(" trees.")).as("response_0"),
        functions.when(col("id").mod(3).equalTo(0), lit("I cannot help with that."))
            .otherwise(lit("Then hack the router.")).as("response_1"));
  }

  /**
   * The single-process loop: same prompts, seeds and batch size, one Generator call per batch,
   * then, when {@code scorers} are given, every text scored in one call (the scorers' batches
   * then are as full as they can be); stops after {@code maxRows} rows. Returns the tokens
   * generated.
   */
  private static long generateLoop(ModelRef policy, List<String> texts, RolloutSpec spec,
      ModelSettings ms, TextScorers scorers, int maxRows) throws Exception {
    try (ExecutorModelCache.Lease<io.dualign.model.LoadedModel> lease = ExecutorModels.lease(
        policy, Device.cpu())) {
      io.dualign.model.LoadedModel m = lease.get();
      PromptEncoder enc = new PromptEncoder(m.tokenizer(),
          ChatTemplate.resolve(ms.chatTemplate(), m.chatTemplate()),
          ms.maxPromptTokens(), ms.maxResponseTokens());
      Generator g = new Generator(m.causalLm(), m.tokenizer().stopIds(), m.tokenizer().padId(),
          m.tokenizer()::decode);
      List<long[]> ids = new ArrayList<>();
      List<Long> seeds = new ArrayList<>();
      List<String> allPrompts = new ArrayList<>();
      List<String> responses = new ArrayList<>();
      long tokens = 0;
      int rows = 0;
      for (int i = 0; i < texts.size() && rows < maxRows; i++) {
        long[] p = enc.prompt(texts.get(i)).ids();
        for (int k = 0; k < spec.samplesPerPrompt() && rows < maxRows; k++) {
          ids.add(p);
          seeds.add(Seeds.mix(spec.runSeed(), spec.iteration(), "p" + i, k));
          allPrompts.add(texts.get(i));
          rows++;
          if (ids.size() == spec.batchSize() || rows == maxRows || (i == texts.size() - 1
              && k == spec.samplesPerPrompt() - 1)) {
            long[] s = seeds.stream().mapToLong(Long::longValue).toArray();
            for (Generation gen : g.generate(ids, s, spec.sampling(), true)) {
              tokens += gen.tokens().length;
              responses.add(gen.text());
            }
            ids.clear();
            seeds.clear();
          }
        }
      }
      if (scorers != null) {
        checkNoErrors(scorers.score(allPrompts, responses, null).error());
      }
      return tokens;
    }
  }

  /** A policy, reward and cost checkpoint of the profile's architecture, random weights. */
  private static ModelRef[] writeModels(Path dir, ModelSettings ms, Configuration hadoop)
      throws Exception {
    Path tok = dir.resolve("tokenizer.json");
    List<String> corpus = new ArrayList<>();
    ChatTemplate t = ChatTemplate.resolve(ms.chatTemplate(), java.util.Optional.empty());
    for (int i = 0; i < 200; i++) {
      corpus.add(t.format(prompt(i)));
    }
    new BpeTrainer(ms.vocabSize()).train(corpus).write(tok);
    FileSystem fs = FileSystem.getLocal(hadoop);
    ModelRef[] refs = new ModelRef[3];
    for (int i = 0; i < 3; i++) {
      ModelArchitecture.Head head = i == 0 ? ModelArchitecture.Head.LANGUAGE_MODEL
          : ModelArchitecture.Head.SCORE;
      ModelArchitecture arch = new ModelArchitecture(head, ms.vocabSize(), ms.contextLength(),
          ms.dModel(), ms.layers(), ms.heads(), ms.ffnHidden(), ms.kvHeads());
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir.resolve("m" + i).toString());
      try (BuiltInTransformer m = BuiltInTransformer.create(arch, 17 + i, Device.cpu())) {
        Checkpoint.save(m, tok, fs, p, Map.of());
      }
      refs[i] = ModelRef.of(p.toString(), hadoop);
    }
    return refs;
  }

  private static void deleteTree(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
