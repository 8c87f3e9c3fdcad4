package io.dualign.jobs.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.jobs.Dualign;
import io.dualign.jobs.ProjectPaths;
import io.dualign.model.CausalLm;
import io.dualign.model.EngineThreads;
import io.dualign.model.Generator;
import io.dualign.model.ResidentMemory;
import io.dualign.model.SamplingParams;
import io.dualign.model.ScoreModel;
import io.dualign.model.SequenceLogProbs;
import io.dualign.model.TokenBatch;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.text.JinjaChatTemplate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code bench hf}: dualign and {@code transformers} side by side, in one run, on one Hugging
 * Face causal LM (SmolLM2-135M-Instruct when installed, else the largest test fixture), the same
 * work and thread count on both sides ({@code jobs/scripts/bench_hf_peer.py} is the peer and
 * documents each figure): sampled generation tokens/s at each batch size with the KV cache (EOS
 * off, so every row makes {@code newTokens}), the cache's speed-up over recomputation (batch
 * {@code --no-cache-batch}, {@code --no-cache-tokens} new tokens),
 * the DPO log-prob forward in tokens/s, and score-model rows/s (the causal LM's backbone with a
 * sequence-classification head written beside it). Prints a table of the ratios and a RESULT line
 * with every figure. The peer runs when {@code --python} (default {@code ~/.venvs/ref/bin/python})
 * has torch and transformers; without it only dualign's side is printed.
 */
final class HfBench {
  /** The peer's prompts, in its order. */
  static final List<String> PROMPTS = List.of("What is the capital of France?",
      "Give me three tips for staying healthy.", "How do I make a cup of tea?",
      "Write a short poem about the sea.", "Explain what a neural network is in simple words.",
      "What should I pack for a weekend hiking trip?", "Summarize the plot of Romeo and Juliet.",
      "How can I learn to cook on a small budget?");
  static final int LOGPROB_BATCH = 16;
  static final int LOGPROB_TOKENS = 256;
  static final int SCORE_BATCH = 16;
  static final int SCORE_TOKENS = 128;
  static final int SCORE_REPS = 4;

  private HfBench() {}

  /** The model the bench uses when none is given. */
  static Path defaultModel() {
    Path smol = ProjectPaths.modelCache().resolve("smollm2-135m-instruct");
    if (Files.isRegularFile(smol.resolve("model.safetensors"))) {
      return smol;
    }
    return ProjectPaths.home().resolve("lib/src/test/resources/hf/llama3-rope");
  }

  /**
   * The settings of one bench: the model folder, engine threads (both sides), new tokens per
   * generated row, the generation batch sizes, the shape of the cached-versus-recomputed run
   * (new tokens and batch), the rounds each figure is the best of, and the peer's Python.
   */
  record Settings(Path model, int threads, int newTokens, int[] batches, int noCacheTokens,
      int noCacheBatch, int rounds, String python, int dpoSteps) {}

  static final int DPO_PAIRS = 4;
  static final int DPO_TOKENS = 128;

  static int run(Settings s, PrintWriter out) throws Exception {
    EngineThreads.apply(s.threads());
    out.printf("bench hf: %s, %d threads, %d new tokens, batches %s, best of %d round(s)%n",
        s.model(), s.threads(), s.newTokens(), java.util.Arrays.toString(s.batches()),
        s.rounds());
    Path scoreModel = ScoreHead.write(s.model(), Files.createTempDirectory("dualign-bench-score-"));
    Map<String, Double> mine = new LinkedHashMap<>();
    FileSystem fs = FileSystem.getLocal(new Configuration());
    benchCausalLm(s, fs, mine, out);
    benchScoreModel(s, fs, scoreModel, mine, out);
    if (s.dpoSteps() > 0) {
      for (boolean lora : new boolean[] {true, false}) {
        dpo(s, fs, lora, mine, out);
      }
    }
    Map<String, Double> peer = peer(s, scoreModel, out);
    out.println(comparison(s, mine, peer, out));
    return Dualign.OK;
  }

  /**
   * dualign's causal-LM figures into {@code mine}: generation at each batch size, the KV cache
   * against recomputation, and the log-prob forward.
   */
  private static void benchCausalLm(Settings s, FileSystem fs, Map<String, Double> mine,
      PrintWriter out) throws Exception {
    try (HfCheckpoint.Loaded m = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
        s.model().toUri()), Device.cpu(), "float32").forInference()) {
      CausalLm lm = m.causalLm();
      JinjaChatTemplate t = m.chatTemplate().orElseThrow(() -> new IllegalArgumentException(
          s.model() + " has no chat template"));
      List<long[]> prompts = new ArrayList<>();
      for (String p : PROMPTS) {
        prompts.add(m.tokenizer().encodePrompt(t.render(List.of(
            new JinjaChatTemplate.Message("user", p)), true)));
      }
      Generator g = new Generator(lm, new long[0], m.tokenizer().padId(), null);
      SamplingParams sampling = new SamplingParams(1.0, 0.9, 0, s.newTokens(), List.of());
      g.generate(rows(prompts, 1), new long[1], new SamplingParams(1.0, 0.9, 0, 4, List.of()),
          true); // warm-up
      for (int b : s.batches()) {
        double secs = bestOf(s.rounds(), () -> g.generate(rows(prompts, b), seeds(b), sampling,
            true));
        mine.put("gen_tokens_per_s_b" + b, b * s.newTokens() / secs);
        out.printf("  dualign generation b%-3d %8.1f tokens/s (%.1f s)%n", b,
            mine.get("gen_tokens_per_s_b" + b), secs);
        out.flush();
      }
      int nb = s.noCacheBatch();
      SamplingParams shortRun = new SamplingParams(1.0, 0.9, 0, s.noCacheTokens(), List.of());
      double cached = bestOf(s.rounds(), () -> g.generate(rows(prompts, nb), seeds(nb), shortRun,
          true));
      double noCache = bestOf(s.rounds(), () -> g.generate(rows(prompts, nb), seeds(nb),
          shortRun, false));
      mine.put("cached_short_tokens_per_s_b" + nb, nb * s.noCacheTokens() / cached);
      mine.put("nocache_tokens_per_s_b" + nb, nb * s.noCacheTokens() / noCache);
      mine.put("cache_speedup_b" + nb, noCache / cached);
      out.printf("  dualign KV cache at batch %d, %d tokens: %.1fx recomputation%n", nb,
          s.noCacheTokens(), noCache / cached);
      TokenBatch lp = randomBatch(m.tokenizer().vocabSize(), LOGPROB_BATCH, LOGPROB_TOKENS);
      SequenceLogProbs.sequenceValues(lm, lp); // warm-up
      double lps = bestOf(s.rounds(), () -> SequenceLogProbs.sequenceValues(lm, lp));
      mine.put("logprob_tokens_per_s", LOGPROB_BATCH * LOGPROB_TOKENS / lps);
      out.printf("  dualign log-prob forward %8.1f tokens/s%n", mine.get("logprob_tokens_per_s"));
    }
  }

  /** dualign's score-model rows/s into {@code mine}. */
  private static void benchScoreModel(Settings s, FileSystem fs, Path scoreModel,
      Map<String, Double> mine, PrintWriter out) throws Exception {
    try (HfCheckpoint.Loaded sc = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
        scoreModel.toUri()), Device.cpu(), "float32").forInference()) {
      ScoreModel sm = sc.scoreModel();
      TokenBatch b = randomBatch(sc.tokenizer().vocabSize(), SCORE_BATCH, SCORE_TOKENS);
      score(sm, b); // warm-up
      double secs = bestOf(s.rounds(), () -> {
        for (int i = 0; i < SCORE_REPS; i++) {
          score(sm, b);
        }
      });
      mine.put("score_rows_per_s", SCORE_BATCH * SCORE_REPS / secs);
      out.printf("  dualign scoring %8.1f rows/s%n", mine.get("score_rows_per_s"));
    }
  }

  /**
   * Prints the table of dualign's figures beside the peer's and returns the RESULT line with
   * both and their ratios.
   */
  private static String comparison(Settings s, Map<String, Double> mine,
      Map<String, Double> peer, PrintWriter out) {
    StringBuilder result = new StringBuilder("RESULT model=" + s.model().getFileName()
        + " threads=" + s.threads() + " new_tokens=" + s.newTokens() + " rounds=" + s.rounds());
    out.println();
    out.printf("%-28s %12s %14s %8s%n", "figure", "dualign", "transformers", "ratio");
    for (Map.Entry<String, Double> e : mine.entrySet()) {
      Double p = peer.get(e.getKey());
      out.printf(Locale.ROOT, "%-28s %12.2f %14s %8s%n", e.getKey(), e.getValue(),
          p == null ? "-" : String.format(Locale.ROOT, "%.2f", p),
          p == null ? "-" : String.format(Locale.ROOT, "%.2f", e.getValue() / p));
      result.append(' ').append(e.getKey()).append('=').append(fmt(e.getValue()));
      if (p != null) {
        result.append(' ').append("peer_").append(e.getKey()).append('=').append(fmt(p))
            .append(' ').append("ratio_").append(e.getKey()).append('=')
            .append(fmt(e.getValue() / p));
      }
    }
    result.append(" peer=").append(peer.isEmpty() ? "absent" : "transformers");
    return result.toString();
  }

  /**
   * DPO steps on a fresh copy of the model, LoRA (r 8, alpha 16, q/k/v/o_proj) or full
   * fine-tuning, as the peer takes them: tokens/s over {@code dpoSteps} steps after a warm-up, and
   * the peak resident memory above the loaded model's (VmHWM reset through clear_refs).
   */
  private static void dpo(Settings s, FileSystem fs, boolean lora, Map<String, Double> mine,
      PrintWriter out) throws Exception {
    String mode = lora ? "lora" : "full";
    System.gc();
    try (HfCheckpoint.Loaded m = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
        s.model().toUri()), Device.cpu(), "float32")) {
      if (lora) {
        m.model().decoder().attachLora(new io.dualign.model.hf.LoraSpec(8, 16, 0,
            List.of("q_proj", "k_proj", "v_proj", "o_proj")), m.model().manager(), 0);
      }
      CausalLm lm = m.causalLm();
      SplittableRandom rng = new SplittableRandom(2);
      int vocab = m.tokenizer().vocabSize();
      List<io.dualign.train.PreferenceExample> raw = new ArrayList<>();
      for (int i = 0; i < DPO_PAIRS; i++) {
        raw.add(new io.dualign.train.PreferenceExample(ids(rng, vocab, DPO_TOKENS / 2),
            ids(rng, vocab, DPO_TOKENS / 2), ids(rng, vocab, DPO_TOKENS / 2), true, true));
      }
      long pad = m.tokenizer().padId();
      List<io.dualign.train.DpoExample> pairs = io.dualign.train.DpoObjective.withReference(lm,
          pad, raw, DPO_PAIRS);
      io.dualign.train.DpoObjective objective = new io.dualign.train.DpoObjective(lm, pad, 0.1f);
      io.dualign.train.ModelTrainer trainer = new io.dualign.train.ModelTrainer(lm,
          new io.dualign.train.OptimizerSettings(1e-5f, 0, s.dpoSteps() + 1, 0f, 0f));
      long base = ResidentMemory.resetPeak();
      trainer.step(sm -> objective.loss(sm, pairs, true), 1); // warm-up
      double secs = bestOf(1, () -> {
        for (int i = 0; i < s.dpoSteps(); i++) {
          trainer.step(sm -> objective.loss(sm, pairs, true), 1);
        }
      });
      double peakMb = (ResidentMemory.peak() - base) / (1024.0 * 1024.0);
      mine.put("dpo_" + mode + "_tokens_per_s", s.dpoSteps() * 2.0 * DPO_PAIRS * DPO_TOKENS
          / secs);
      mine.put("dpo_" + mode + "_peak_mb", peakMb);
      out.printf("  dualign DPO %s: %.1f tokens/s, peak %.0f MB above the loaded model%n", mode,
          mine.get("dpo_" + mode + "_tokens_per_s"), peakMb);
      out.flush();
    }
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private static void score(ScoreModel sm, TokenBatch b) {
    try (NDManager m = sm.manager().newSubManager()) {
      sm.endScores(b.idsArray(m), b.maskArray(m), false).toFloatArray();
    }
  }

  private static long[] ids(SplittableRandom rng, int vocab, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = 10 + rng.nextInt(vocab - 10);
    }
    return out;
  }

  /** Rows of seeded random ordinary token ids (the peer's), the second half of each a response. */
  static TokenBatch randomBatch(int vocab, int rows, int tokens) {
    SplittableRandom rng = new SplittableRandom(0);
    List<long[]> ps = new ArrayList<>();
    List<long[]> rs = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      long[] p = new long[tokens / 2];
      long[] q = new long[tokens - tokens / 2];
      for (int i = 0; i < p.length; i++) {
        p[i] = 10 + rng.nextInt(vocab - 10);
      }
      for (int i = 0; i < q.length; i++) {
        q[i] = 10 + rng.nextInt(vocab - 10);
      }
      ps.add(p);
      rs.add(q);
    }
    return TokenBatch.of(ps, rs, 0, TokenBatch.Padding.RIGHT);
  }

  private static List<long[]> rows(List<long[]> prompts, int b) {
    List<long[]> out = new ArrayList<>();
    for (int i = 0; i < b; i++) {
      out.add(prompts.get(i % prompts.size()));
    }
    return out;
  }

  private static long[] seeds(int b) {
    long[] s = new long[b];
    for (int i = 0; i < b; i++) {
      s[i] = i;
    }
    return s;
  }

  /** The fewest seconds of {@code rounds} runs of {@code r}. */
  private static double bestOf(int rounds, Runnable r) {
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }

  /** The peer's figures, or none (with a message) when its Python has no transformers. */
  private static Map<String, Double> peer(Settings s, Path scoreModel, PrintWriter out)
      throws IOException, InterruptedException {
    String python = s.python();
    Map<String, Double> figures = new LinkedHashMap<>();
    if (python == null || !Files.isExecutable(Paths.get(python))) {
      out.println("  transformers peer: no Python at " + python + " (give --python with torch "
          + "and transformers); dualign's figures only");
      return figures;
    }
    String batchList = java.util.Arrays.stream(s.batches()).mapToObj(String::valueOf)
        .reduce((a, b) -> a + "," + b).orElseThrow();
    List<String> cmd = List.of(python, ProjectPaths.home().resolve("jobs/scripts/bench_hf_peer.py")
        .toString(), "--model", s.model().toString(), "--threads", String.valueOf(s.threads()),
        "--new-tokens", String.valueOf(s.newTokens()), "--batches", batchList, "--nocache-tokens",
        String.valueOf(s.noCacheTokens()), "--nocache-batch", String.valueOf(s.noCacheBatch()),
        "--rounds", String.valueOf(s.rounds()), "--dpo-steps", String.valueOf(s.dpoSteps()),
        "--dpo-pairs", String.valueOf(DPO_PAIRS), "--dpo-tokens", String.valueOf(DPO_TOKENS),
        "--score-model", scoreModel.toString());
    out.println("  transformers peer: " + String.join(" ", cmd));
    out.flush();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("HF_HUB_OFFLINE", "1");
    Process p = pb.start();
    String last = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        last = line;
      }
    }
    if (p.waitFor() != 0 || last == null) {
      out.println("  transformers peer failed (exit " + p.exitValue() + "); dualign's figures "
          + "only");
      return figures;
    }
    JsonNode j = new ObjectMapper().readTree(last);
    j.fields().forEachRemaining(e -> {
      if (e.getValue().isNumber()) {
        figures.put(e.getKey(), e.getValue().asDouble());
      }
    });
    return figures;
  }

  /**
   * {@code ScoreHead} writes a score model beside a causal LM for the scoring figure: the LM's
   * folder as a {@code LlamaForSequenceClassification} (one label) whose extra shard holds a
   * seeded random {@code score.weight}, all other tensors read from the LM's own files through
   * {@code model.safetensors.index.json} (nothing large is copied).
   */
  static final class ScoreHead {
    private ScoreHead() {}

    static Path write(Path lm, Path dir) throws IOException {
      ObjectMapper json = new ObjectMapper();
      ObjectNode cfg = (ObjectNode) json.readTree(lm.resolve("config.json").toFile());
      String arch = cfg.get("architectures").get(0).asText().replace("ForCausalLM",
          "ForSequenceClassification");
      cfg.putArray("architectures").add(arch);
      cfg.put("num_labels", 1);
      json.writeValue(dir.resolve("config.json").toFile(), cfg);
      int hidden = cfg.get("hidden_size").asInt();
      ObjectNode index = json.createObjectNode();
      ObjectNode map = index.putObject("weight_map");
      List<String> shards = new ArrayList<>();
      if (Files.exists(lm.resolve("model.safetensors.index.json"))) {
        JsonNode src = json.readTree(lm.resolve("model.safetensors.index.json").toFile());
        src.get("weight_map").fields().forEachRemaining(e -> map.put(e.getKey(),
            e.getValue().asText()));
        src.get("weight_map").forEach(v -> {
          if (!shards.contains(v.asText())) {
            shards.add(v.asText());
          }
        });
      } else {
        try (var in = Files.newInputStream(lm.resolve("model.safetensors"))) {
          for (String name : io.dualign.model.hf.Safetensors.readHeader(in, "model.safetensors",
              -1).keySet()) {
            map.put(name, "model.safetensors");
          }
        }
        shards.add("model.safetensors");
      }
      map.put("score.weight", "score.safetensors");
      json.writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
      for (String s : shards) {
        Files.createSymbolicLink(dir.resolve(s), lm.resolve(s).toAbsolutePath());
      }
      for (String f : List.of("tokenizer.json", "tokenizer_config.json",
          "special_tokens_map.json", "generation_config.json")) {
        if (Files.exists(lm.resolve(f))) {
          Files.copy(lm.resolve(f), dir.resolve(f));
        }
      }
      float[] w = new float[hidden];
      SplittableRandom rng = new SplittableRandom(0);
      for (int i = 0; i < hidden; i++) {
        w[i] = (float) ((rng.nextDouble() - 0.5) * 0.02);
      }
      try (NDManager m = NDManager.newBaseManager(Device.cpu());
          var out = Files.newOutputStream(dir.resolve("score.safetensors"))) {
        java.util.TreeMap<String, ai.djl.ndarray.NDArray> t = new java.util.TreeMap<>();
        t.put("score.weight", m.create(w, new ai.djl.ndarray.types.Shape(1, hidden)));
        io.dualign.model.hf.Safetensors.write(out, t, Map.of("format", "pt"));
      }
      return dir;
    }
  }
}
