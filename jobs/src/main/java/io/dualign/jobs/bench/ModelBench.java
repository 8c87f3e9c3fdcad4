package io.dualign.jobs.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.dualign.config.ModelSettings;
import io.dualign.config.TrainSettings;
import io.dualign.model.BuiltInTransformer;
import io.dualign.model.Generator;
import io.dualign.model.ModelArchitecture;
import io.dualign.model.SamplingParams;
import io.dualign.train.ModelTrainer;
import io.dualign.train.OptimizerSettings;
import io.dualign.train.SftExample;
import io.dualign.train.SftObjective;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code ModelBench} measures the built-in models on this machine: the fp32 matmul rate first (the
 * ceiling), then generation tokens/s per batch size with and without the KV cache, then training
 * tokens/s, each with its achieved GFLOP/s as a share of the ceiling. FLOPs count the matrix
 * products the model really computes (2 per multiply-add; training 3× a forward): the layers'
 * weights at every position fed, attention over the keys each query sees (the full masked
 * square when a block of tokens is fed at once), and the vocabulary head only where it runs (the
 * last position of a generation step; the response positions in training). Element-wise work
 * (norms, softmax, GELU, embeddings) is not counted. On a shared machine wall-clock rates swing
 * with other processes' load, so each rate is also given per CPU-second of this process (JIT and
 * GC threads included), and the CPU fractions compare those with the ceiling's own CPU rate.
 */
final class ModelBench {
  private static final int PROMPT_TOKENS = 16;
  /** Tokens of the untimed generation before each timed configuration. */
  private static final int WARM_UP_TOKENS = 64;

  private final ModelSettings ms;
  private final TrainSettings ts;
  private final PrintWriter out;

  ModelBench(ModelSettings ms, TrainSettings ts, PrintWriter out) {
    this.ms = ms;
    this.ts = ts;
    this.out = out;
  }

  /**
   * @param recomputeBatches the batch sizes whose generation is also timed without the cache
   *     (full recomputation each step: slow at large batches), over as many rounds as the cached
   *     generation so the speed-up compares best round with best round
   * @param rounds times each cached generation and the training steps are run; the fastest round
   *     is kept (the one least disturbed by other processes on a shared machine)
   */
  Map<String, Object> run(int newTokens, int[] batches, int[] recomputeBatches, int trainSteps,
      int rounds) {
    Map<String, Object> r = new LinkedHashMap<>();
    double[] rates = matmulGflops(rounds, "ceiling");
    Ceiling ceiling = new Ceiling(rates[0], rates[1]);
    r.put("matmul_gflops", ceiling.gflops());
    r.put("matmul_gflops_per_cpu_s", ceiling.perCpuSecond());
    r.put("matmul_step_gflops", stepMatmulGflops());
    ModelArchitecture arch = new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL,
        ms.vocabSize(), Math.max(ms.contextLength(), PROMPT_TOKENS + newTokens), ms.dModel(),
        ms.layers(), ms.heads(), ms.ffnHidden(), ms.kvHeads());
    Random rnd = new Random(3);
    SamplingParams p = new SamplingParams(1.0, 0.9, 0, newTokens, List.of());
    try (BuiltInTransformer lm = BuiltInTransformer.create(arch, 1, Device.cpu())) {
      r.put("params", lm.parameterCount());
      line("model %s, %,d parameters; %d-token prompts, %d new tokens (no EOS: every row runs to "
          + "the end); best of %d round(s)", arch.describe(), lm.parameterCount(), PROMPT_TOKENS,
          newTokens, rounds);
      Generator g = warmedUp(lm, rnd);
      for (int b : batches) {
        boolean recompute = java.util.Arrays.stream(recomputeBatches).anyMatch(x -> x == b);
        benchGeneration(g, arch, b, recompute, p, rounds, rnd, ceiling, r);
      }
      if (arch.kvHeads() < arch.heads()) {
        benchMultiHeadAttention(arch, java.util.Arrays.stream(batches).max().getAsInt(), p, rounds,
            rnd, ceiling, r);
      }
      double gflops = benchTraining(lm, arch, trainSteps, rounds, rnd, ceiling, r);
      // The host's matmul rate drifts over a run (other load, clock): measured again right after
      // the training rounds, it shows whether the first ceiling still held while they ran.
      double end = matmulGflops(rounds, "matmul rate again after training")[0];
      r.put("matmul_gflops_end", end);
      r.put("train_fraction_end", gflops / end);
      line("training = %.0f%% of the matmul rate measured right after it (%.1f GFLOP/s; the "
          + "ceiling measured first: %.1f)", 100 * gflops / end, end, ceiling.gflops());
    }
    r.put("rounds", rounds);
    return r;
  }

  /** The matmul rate measured first: wall-clock GFLOP/s and GFLOP per CPU-second. */
  private record Ceiling(double gflops, double perCpuSecond) {}

  /**
   * Times generation at batch {@code b} with the KV cache, and also without it when {@code
   * recompute}, into {@code r}.
   */
  private void benchGeneration(Generator g, ModelArchitecture arch, int b, boolean recompute,
      SamplingParams p, int rounds, Random rnd, Ceiling ceiling, Map<String, Object> r) {
    int newTokens = p.maxNewTokens();
    double genMacsPerRow = generationMacsPerRow(arch, newTokens);
    List<long[]> pr = prompts(b, rnd);
    for (boolean cache : recompute ? new boolean[] {true, false} : new boolean[] {true}) {
      double[] t = timeGeneration(g, pr, p, cache, rounds);
      double s = t[0];
      double cpu = t[1];
      double tps = (double) b * newTokens / s;
      double gflops = 2 * genMacsPerRow * b / s / 1e9;
      String key = "gen_b" + b + (cache ? "_cache" : "_nocache");
      r.put(key + "_tps", tps);
      r.put(key + "_tokens_per_cpu_s", b * newTokens / cpu);
      double cpuFraction = 2 * genMacsPerRow * b / cpu / 1e9 / ceiling.perCpuSecond();
      if (cache) {
        r.put(key + "_fraction", gflops / ceiling.gflops());
        r.put(key + "_cpu_fraction", cpuFraction);
      }
      line("generate batch %3d %-8s %8.1f tokens/s  %6.2f s  %8.1f tokens/CPU-s%s", b,
          cache ? "KV cache" : "no cache", tps, s, b * newTokens / cpu, cache
              ? String.format(Locale.ROOT, "  %.2f GFLOP/s = %.0f%% of the ceiling (CPU: %.0f%%)",
                  gflops, 100 * gflops / ceiling.gflops(), 100 * cpuFraction) : "");
    }
    if (recompute) {
      double speedup = (double) r.get("gen_b" + b + "_cache_tps")
          / (double) r.get("gen_b" + b + "_nocache_tps");
      r.put("kv_speedup_b" + b, speedup);
      line("KV cache speed-up at batch %d: %.1fx", b, speedup);
    }
  }

  /**
   * Times cached generation at batch {@code b} with the same shape but multi-head attention
   * (kvHeads = heads), for comparison: the KV cache a step reads grows by heads / kvHeads.
   */
  private void benchMultiHeadAttention(ModelArchitecture arch, int b, SamplingParams p,
      int rounds, Random rnd, Ceiling ceiling, Map<String, Object> r) {
    int newTokens = p.maxNewTokens();
    ModelArchitecture mha = new ModelArchitecture(arch.head(), arch.vocabSize(),
        arch.contextLength(), arch.dModel(), arch.layers(), arch.heads(), arch.ffnHidden());
    try (BuiltInTransformer m = BuiltInTransformer.create(mha, 1, Device.cpu())) {
      double s = timeGeneration(warmedUp(m, rnd), prompts(b, rnd), p, true, rounds)[0];
      double gflops = 2 * generationMacsPerRow(mha, newTokens) * b / s / 1e9;
      r.put("gen_b" + b + "_mha_tps", (double) b * newTokens / s);
      r.put("gen_b" + b + "_mha_fraction", gflops / ceiling.gflops());
      line("generate batch %3d KV cache %8.1f tokens/s  %6.2f s  %.2f GFLOP/s = %.0f%% of the "
          + "ceiling with multi-head attention (kvHeads = heads = %d), for comparison", b,
          b * newTokens / s, s, gflops, 100 * gflops / ceiling.gflops(), arch.heads());
    }
  }

  /**
   * Times next-token training steps on random sequences of the configured batch size into {@code
   * r}, and returns their GFLOP/s.
   */
  private double benchTraining(BuiltInTransformer lm, ModelArchitecture arch, int trainSteps,
      int rounds, Random rnd, Ceiling ceiling, Map<String, Object> r) {
    int len = Math.min(arch.contextLength(), ms.maxPromptTokens() + ms.maxResponseTokens()) / 2;
    List<SftExample> batch = new ArrayList<>();
    for (int i = 0; i < ts.batchSize(); i++) {
      batch.add(new SftExample(randomIds(rnd, len / 2), randomIds(rnd, len - len / 2)));
    }
    SftObjective obj = new SftObjective(lm, 1);
    ModelTrainer trainer = new ModelTrainer(lm, new OptimizerSettings(1e-4f, 0,
        rounds * trainSteps + 1, 0.01f, 1f));
    long tokens = obj.tokens(batch);
    // Every row: len positions through the layers, a len x len attention square, the head at
    // the response positions (all but the first token of a row can be a target).
    double stepMacs = ts.batchSize() * (arch.backboneMacsPerToken() * (double) len
        + arch.attentionMacs(len, len) + arch.headMacsPerToken() * (double) (len - len / 2));
    trainer.step(m -> obj.loss(m, batch, true), tokens); // warm-up
    double s = Double.MAX_VALUE;
    double cpu = Double.MAX_VALUE;
    for (int round = 0; round < rounds; round++) {
      long t0 = System.nanoTime();
      double c0 = cpuSeconds();
      for (int i = 0; i < trainSteps; i++) {
        trainer.step(m -> obj.loss(m, batch, true), tokens);
      }
      s = Math.min(s, (System.nanoTime() - t0) / 1e9);
      cpu = Math.min(cpu, cpuSeconds() - c0);
    }
    double cpuFraction = 6 * stepMacs * trainSteps / cpu / 1e9 / ceiling.perCpuSecond();
    double tps = tokens * trainSteps / s;
    double gflops = 6 * stepMacs * trainSteps / s / 1e9;
    r.put("train_tps", tps);
    r.put("train_fraction", gflops / ceiling.gflops());
    r.put("train_tokens_per_cpu_s", tokens * trainSteps / cpu);
    r.put("train_cpu_fraction", cpuFraction);
    line("train batch %d x %d tokens: %.1f tokens/s, %.3f s/step, %.1f tokens/CPU-s, %.2f GFLOP/s "
        + "= %.0f%% of the ceiling (CPU: %.0f%%)", ts.batchSize(), len, tps, s / trainSteps,
        tokens * trainSteps / cpu, gflops, 100 * gflops / ceiling.gflops(), 100 * cpuFraction);
    return gflops;
  }

  /** A generator of {@code lm} that has run once (JIT and engine warm-up). */
  private static Generator warmedUp(BuiltInTransformer lm, Random rnd) {
    Generator g = new Generator(lm, -1, 1, null);
    List<long[]> two = List.of(randomIds(rnd, PROMPT_TOKENS, lm.vocabSize()),
        randomIds(rnd, PROMPT_TOKENS, lm.vocabSize()));
    g.generate(two, new long[] {1, 2}, new SamplingParams(1, 0.9, 0, 8, List.of()), true);
    return g;
  }

  /**
   * The fastest of {@code rounds} generations of {@code prompts} (row i seeded with i), after an
   * untimed warm-up generation of up to {@link #WARM_UP_TOKENS} tokens in the same configuration
   * (so the JIT has compiled its loops: a batch-1 cached step is mostly Java and JNI overhead):
   * {wall-clock seconds, CPU seconds of the process} of that round.
   */
  private static double[] timeGeneration(Generator g, List<long[]> prompts, SamplingParams p,
      boolean cache, int rounds) {
    long[] seeds = new long[prompts.size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = i;
    }
    g.generate(prompts, seeds, new SamplingParams(p.temperature(), p.topP(), p.topK(),
        Math.min(WARM_UP_TOKENS, p.maxNewTokens()), p.stopStrings()), cache);
    double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
    for (int round = 0; round < rounds; round++) {
      long t0 = System.nanoTime();
      double c0 = cpuSeconds();
      g.generate(prompts, seeds, p, cache);
      double s = (System.nanoTime() - t0) / 1e9;
      if (s < best[0]) {
        best[0] = s;
        best[1] = cpuSeconds() - c0;
      }
    }
    return best;
  }

  /**
   * Multiply-adds of one row's cached generation: the prompt fed at once (its attention square),
   * then {@code newTokens - 1} single tokens against the growing cache, the head once per new
   * token.
   */
  static double generationMacsPerRow(ModelArchitecture arch, int newTokens) {
    double macs = arch.backboneMacsPerToken() * (double) (PROMPT_TOKENS + newTokens - 1)
        + arch.headMacsPerToken() * (double) newTokens
        + arch.attentionMacs(PROMPT_TOKENS, PROMPT_TOKENS);
    for (int i = 1; i < newTokens; i++) {
      macs += arch.attentionMacs(1, PROMPT_TOKENS + i);
    }
    return macs;
  }

  /** CPU time of this process so far, in seconds. */
  private static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  /**
   * The best fp32 matmul rate over {@code rounds} rounds of two sizes: {wall-clock GFLOP/s, GFLOP
   * per CPU-second}, printed after {@code label}.
   */
  private double[] matmulGflops(int rounds, String label) {
    double best = 0;
    double bestCpu = 0;
    try (NDManager m = NDManager.newBaseManager()) {
      for (int round = 0; round < rounds; round++) {
        for (int n : new int[] {512, 1024}) {
          NDArray a = m.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(n, n));
          NDArray b = m.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(n, n));
          a.matMul(b).close();
          // At least 0.5 CPU-seconds (process CPU time ticks in 10 ms) or 20 s of wall time.
          int reps = 0;
          long t0 = System.nanoTime();
          double c0 = cpuSeconds();
          do {
            NDArray c = a.matMul(b);
            c.getFloat(0, 0);
            c.close();
            reps++;
          } while (cpuSeconds() - c0 < 0.5 && System.nanoTime() - t0 < 20_000_000_000L);
          double gflops = 2.0 * n * n * n * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
          double perCpu = 2.0 * n * n * n * reps / (cpuSeconds() - c0) / 1e9;
          line("matmul %dx%d fp32: %.1f GFLOP/s, %.1f GFLOP/CPU-s", n, n, gflops, perCpu);
          best = Math.max(best, gflops);
          bestCpu = Math.max(bestCpu, perCpu);
        }
      }
    }
    line("%s: %.1f GFLOP/s, %.1f GFLOP/CPU-s", label, best, bestCpu);
    return new double[] {best, bestCpu};
  }

  /**
   * The matmul rate at the shape of a batch-64 generation step's feed-forward product
   * ({@code [64, dModel] x [dModel, ffnHidden]}): what small single-token steps can reach.
   */
  private double stepMatmulGflops() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(64, ms.dModel()));
      NDArray b = m.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(ms.dModel(), ms.ffnHidden()));
      a.matMul(b).close();
      int reps = 400;
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        NDArray c = a.matMul(b);
        c.getFloat(0, 0);
        c.close();
      }
      double gflops = 2.0 * 64 * ms.dModel() * ms.ffnHidden() * reps
          / ((System.nanoTime() - t0) / 1e9) / 1e9;
      line("matmul 64x%dx%d fp32 (a batch-64 step's shape): %.1f GFLOP/s", ms.dModel(),
          ms.ffnHidden(), gflops);
      return gflops;
    }
  }

  private List<long[]> prompts(int b, Random rnd) {
    List<long[]> p = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      p.add(randomIds(rnd, PROMPT_TOKENS));
    }
    return p;
  }

  private long[] randomIds(Random rnd, int n) {
    return randomIds(rnd, n, ms.vocabSize());
  }

  private static long[] randomIds(Random rnd, int n, int vocab) {
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 2 + rnd.nextInt(vocab - 2);
    }
    return ids;
  }

  private void line(String fmt, Object... args) {
    out.println(String.format(Locale.ROOT, fmt, args));
    out.flush();
  }
}
