package io.dualign.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;

import ai.djl.Device;
import io.dualign.model.CausalLm;
import io.dualign.model.Generation;
import io.dualign.model.Generator;
import io.dualign.model.LoadedModel;
import io.dualign.model.SamplingParams;
import io.dualign.spark.dual.SampleTable;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.vocabulary.ScorerRole;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code Rollouts} samples K responses per prompt from a policy on the executors and scores each
 * with the reward and every utility: the rollouts of {@code sample-ref}, CAID's {@code align}
 * iterations and {@code evaluate}. The result is a lazily computed table of {@link RolloutTable}
 * rows; nothing is collected to the driver.
 *
 * <p>Each row's sampling seed is {@link Seeds#mix}(run seed, iteration, prompt id, sample index),
 * and a row's text depends only on its prompt and seed (not on its batch), so a retried or
 * speculative task — and any partitioning — writes the same rows.
 */
public final class Rollouts {
  /** Score batches' worth of generated rows scored together (see {@code Batches.emit}). */
  private static final int SCORE_CHUNK_BATCHES = 8;

  private Rollouts() {}

  /**
   * The rollout of {@code prompts} (columns prompt_id, prompt and optionally category) under
   * {@code spec}, computed when an action runs.
   */
  public static Dataset<Row> sample(SparkSession spark, Dataset<Row> prompts, RolloutSpec spec) {
    return sample(spark, prompts, spec, null);
  }

  /** As {@link #sample(SparkSession, Dataset, RolloutSpec)}, adding to {@code metrics} for display. */
  public static Dataset<Row> sample(SparkSession spark, Dataset<Row> prompts, RolloutSpec spec,
      RolloutMetrics metrics) {
    return rollout(prompts, spec, metrics, true);
  }

  /**
   * The rollout of {@code prompts} under {@code spec} without scoring: the same rows, texts and
   * seeds as {@link #sample(SparkSession, Dataset, RolloutSpec, RolloutMetrics)} (the same
   * partition function with its scorers off), with every score and scorer version null and an
   * error only where generation failed. For generation-only work and for comparing the rollout's
   * throughput with a plain generation loop ({@code dualign bench rollout}).
   */
  public static Dataset<Row> sampleUnscored(Dataset<Row> prompts, RolloutSpec spec,
      RolloutMetrics metrics) {
    return rollout(prompts, spec, metrics, false);
  }

  private static Dataset<Row> rollout(Dataset<Row> prompts, RolloutSpec spec,
      RolloutMetrics metrics, boolean score) {
    List<String> cols = Arrays.asList(prompts.columns());
    for (String need : List.of(SampleTable.PROMPT_ID, SampleTable.PROMPT)) {
      if (!cols.contains(need)) {
        throw new IllegalArgumentException("prompts need a column '" + need + "'; they have "
            + cols);
      }
    }
    // One row per work item (prompt, sample index), so partitions can be balanced by rows.
    Dataset<Row> in = prompts.select(col(SampleTable.PROMPT_ID).cast(DataTypes.StringType),
        col(SampleTable.PROMPT).cast(DataTypes.StringType),
        cols.contains(RolloutTable.CATEGORY)
            ? col(RolloutTable.CATEGORY).cast(DataTypes.StringType)
            : lit(null).cast(DataTypes.StringType).as(RolloutTable.CATEGORY),
        explode(sequence(lit(0), lit(spec.samplesPerPrompt() - 1))).as(SampleTable.SAMPLE_IDX));
    if (spec.partitions() > 0) {
      // Range partitioning on the item key gives every task the same number of items (a hash of
      // the prompt id left tasks up to a third apart on small rollouts, and the job waits for the
      // longest); rows do not depend on the partitioning.
      in = in.repartitionByRange(spec.partitions(), col(SampleTable.PROMPT_ID),
          col(SampleTable.SAMPLE_IDX));
    }
    StructType schema = schema(spec);
    return in.mapPartitions(new RolloutFn(spec, metrics, score), Encoders.row(schema));
  }

  /** The output schema of a rollout under {@code spec}. */
  public static StructType schema(RolloutSpec spec) {
    return RolloutTable.schema(spec.scoring().utilityColumns(), spec.scoring().gold());
  }

  /** One unit of work: sample {@code sampleIdx} of a prompt. */
  private record Item(String promptId, String prompt, String category, int sampleIdx, long seed) {}

  /** A generated item (generation null when it has an error), waiting to be scored. */
  private record Sampled(Prepared prepared, Generation generation, String error) {}

  /** An item with its encoded prompt, its length bucket, or why it cannot be sampled. */
  private record Prepared(Item item, long[] ids, int promptTokens, boolean truncated, int width,
      String error) {}

  /** The partition function: generates and scores the partition's items, batch by batch. */
  static final class RolloutFn implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final RolloutSpec spec;
    private final RolloutMetrics metrics;
    private final boolean score;

    RolloutFn(RolloutSpec spec, RolloutMetrics metrics, boolean score) {
      this.spec = spec;
      this.metrics = metrics;
      this.score = score;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
      ExecutorModels.applyThreads(spec.scoring().threadsPerTask());
      Device device = ExecutorModels.taskDevice();
      LoadedModel policy = ExecutorModels.lease(spec.policy(), device).get();
      TextScorers scorers = score ? new TextScorers(spec.scoring(), device) : null;
      FaultInjection.maybeFail("rollout");
      TaskContext ctx = TaskContext.get();
      String gpu = String.join(",", ExecutorProbe.gpuAddresses(ctx));
      return new Batches(spec, metrics, policy, scorers, input, device.toString(),
          gpu.isEmpty() ? null : gpu, SparkEnv.get() == null ? null : SparkEnv.get().executorId());
    }
  }

  /** Reads work items lazily, a batch at a time, and yields the finished rows. */
  private static final class Batches extends BufferingIterator<Row> {
    private final RolloutSpec spec;
    private final RolloutMetrics metrics;
    private final LoadedModel policy;
    private final TextScorers scorers; // null: rows are not scored
    private final Iterator<Row> input;
    private final String device;
    private final String gpu;
    private final String executorId;
    private final PromptEncoder encoder;
    private final CausalLm lm;
    private final Generator generator;
    private final SamplingParams params;
    private final java.util.TreeMap<Integer, List<Prepared>> queues = new java.util.TreeMap<>();
    /** Generated rows (or rows with an error) not yet scored and emitted. */
    private final List<Sampled> sampled = new ArrayList<>();
    /** Rows scored and emitted together. */
    private final int chunkRows;
    // The last prompt encoded (a prompt's K items mostly arrive together) and its encoding.
    private String lastPrompt;
    private PromptEncoder.Encoded lastEncoded;

    Batches(RolloutSpec spec, RolloutMetrics metrics, LoadedModel policy,
        TextScorers scorers, Iterator<Row> input, String device, String gpu, String executorId) {
      this.spec = spec;
      this.metrics = metrics;
      this.policy = policy;
      this.scorers = scorers;
      this.input = input;
      this.device = device;
      this.gpu = gpu;
      this.executorId = executorId;
      ScoringSpec s = spec.scoring();
      this.encoder = new PromptEncoder(policy.tokenizer(),
          ChatTemplate.resolve(s.chatTemplate(), policy.chatTemplate()),
          s.maxPromptTokens(), s.maxResponseTokens());
      this.lm = policy.causalLm();
      this.generator = new Generator(lm, policy.tokenizer().stopIds(),
          policy.tokenizer().padId(), policy.tokenizer()::decode);
      this.params = spec.sampling();
      this.chunkRows = scorers == null ? 1
          : Math.max(spec.batchSize(), SCORE_CHUNK_BATCHES * s.batchSize());
      int room = lm.contextLength() - s.maxPromptTokens();
      if (params.maxNewTokens() > room) {
        throw new IllegalArgumentException("maxNewTokens " + params.maxNewTokens()
            + " + maxPromptTokens " + s.maxPromptTokens() + " exceed the policy's context length "
            + lm.contextLength() + " (" + spec.policy().uri() + ")");
      }
    }

    /**
     * Reads items (prompt_id, prompt, category, sample_idx) until a length bucket holds a full
     * batch (or the input ends, then flushes the buckets), and processes it. Items whose prompt
     * is unusable are emitted at once with their error.
     */
    @Override
    protected void fill() {
      while (!buffered()) {
        if (!input.hasNext()) {
          for (List<Prepared> q : queues.values()) {
            if (!q.isEmpty()) {
              process(new ArrayList<>(q));
              q.clear();
            }
          }
          emit();
          return;
        }
        Row r = input.next();
        String id = r.getString(0);
        int k = r.getInt(3);
        Prepared p = prepare(new Item(id, r.getString(1), r.getString(2), k,
            Seeds.mix(spec.runSeed(), spec.iteration(), id == null ? "" : id, k)));
        if (p.error() != null) {
          sampled.add(new Sampled(p, null, p.error()));
          if (sampled.size() >= chunkRows) {
            emit();
          }
          continue;
        }
        List<Prepared> q = queues.computeIfAbsent(p.width(), w -> new ArrayList<>());
        q.add(p);
        if (q.size() == spec.batchSize()) {
          process(new ArrayList<>(q));
          q.clear();
        }
      }
    }

    /** The prompt's encoding (the previous item's when it has the same prompt). */
    private PromptEncoder.Encoded encode(String prompt) {
      if (!prompt.equals(lastPrompt)) {
        lastEncoded = encoder.prompt(prompt);
        lastPrompt = prompt;
      }
      return lastEncoded;
    }

    private Prepared prepare(Item it) {
      PromptEncoder.Encoded enc = null;
      String error;
      try {
        if (it.promptId() == null) {
          return new Prepared(it, null, 0, false, 0, "prompt_id is null");
        }
        if (it.prompt() != null && !it.prompt().isBlank()) {
          enc = encode(it.prompt());
        }
        error = TextScorers.promptProblem(it.prompt(), enc, spec.scoring().truncatePrompts(),
            spec.scoring().maxPromptTokens());
      } catch (RuntimeException e) {
        error = "cannot encode prompt: " + e;
      }
      int tokens = enc == null ? 0 : enc.ids().length;
      boolean cut = enc != null && enc.truncated();
      if (error != null) {
        return new Prepared(it, null, tokens, cut, 0, error);
      }
      int width = LengthBuckets.width(tokens, spec.scoring().maxPromptTokens());
      return new Prepared(it, enc.ids(), tokens, cut, width, null);
    }

    /**
     * Generates a batch (rows without an error, all of one bucket) into {@link #sampled}, and
     * scores and emits the sampled rows once they fill a scoring chunk.
     */
    private void process(List<Prepared> batch) {
      int n = batch.size();
      String[] error = new String[n];
      List<long[]> ids = new ArrayList<>();
      List<Integer> live = new ArrayList<>();
      int width = 0;
      for (int i = 0; i < n; i++) {
        error[i] = batch.get(i).error();
        if (error[i] == null) {
          ids.add(batch.get(i).ids());
          live.add(i);
          width = batch.get(i).width();
        }
      }
      Generation[] gens = new Generation[n];
      if (!live.isEmpty()) {
        long[] seeds = new long[live.size()];
        for (int j = 0; j < seeds.length; j++) {
          seeds[j] = batch.get(live.get(j)).item().seed();
        }
        try {
          List<Generation> out = generator.generate(ids, seeds, params, lm.supportsKvCache(), width);
          for (int j = 0; j < out.size(); j++) {
            gens[live.get(j)] = out.get(j);
          }
        } catch (RuntimeException batchFailure) {
          // Isolate the failing row(s): a row's text does not depend on its batch.
          for (int j = 0; j < live.size(); j++) {
            try {
              gens[live.get(j)] = generator.generate(List.of(ids.get(j)),
                  new long[] {seeds[j]}, params, lm.supportsKvCache(), width).get(0);
            } catch (RuntimeException e) {
              error[live.get(j)] = "generation failed: " + e.getMessage();
            }
          }
        }
      }
      for (int i = 0; i < n; i++) {
        sampled.add(new Sampled(batch.get(i), gens[i], error[i]));
      }
      if (sampled.size() >= chunkRows) {
        emit();
      }
    }

    /**
     * Scores the sampled rows (in one call: the scorers batch rows by their own length buckets,
     * so a chunk of several generation batches fills most scoring batches) and emits them.
     */
    private void emit() {
      int n = sampled.size();
      if (n == 0) {
        return;
      }
      List<String> prompts = new ArrayList<>(n);
      List<String> responses = new ArrayList<>(n);
      String[] error = new String[n];
      for (int i = 0; i < n; i++) {
        Sampled x = sampled.get(i);
        prompts.add(x.prepared().item().prompt());
        responses.add(x.generation() == null ? null : x.generation().text());
        error[i] = x.error();
      }
      TextScorers.Scores s = scorers != null ? scorers.score(prompts, responses, error)
          : unscored(error);
      long tokens = 0;
      long errors = 0;
      String rewardVersion = scorers == null ? null : scorers.version(ScorerRole.REWARD);
      String costVersion = scorers == null ? null : scorers.version(ScorerRole.COST);
      int m = spec.scoring().utilities().size();
      boolean gold = spec.scoring().gold();
      boolean scored = scorers != null;
      for (int i = 0; i < n; i++) {
        Prepared pr = sampled.get(i).prepared();
        Item it = pr.item();
        Generation g = sampled.get(i).generation();
        String err = s.error()[i];
        boolean ok = err == null;
        errors += ok ? 0 : 1;
        if (g != null) {
          tokens += g.tokens().length;
        }
        Object[] v = new Object[8 + m + 12 + (gold ? 2 : 0)];
        int c = 0;
        v[c++] = spec.runId();
        v[c++] = spec.iteration();
        v[c++] = it.promptId();
        v[c++] = it.sampleIdx();
        v[c++] = it.prompt();
        v[c++] = g == null ? null : g.text();
        v[c++] = g == null ? null : g.tokens().length;
        v[c++] = ok && scored ? s.reward()[i] : null;
        for (int u = 0; u < m; u++) {
          v[c++] = ok && scored ? s.utilities()[u][i] : null;
        }
        v[c++] = err;
        v[c++] = it.category();
        v[c++] = it.seed();
        v[c++] = pr.promptTokens() == 0 ? null : pr.promptTokens();
        v[c++] = pr.truncated();
        v[c++] = g == null ? null : g.reason().name().toLowerCase(Locale.ROOT);
        v[c++] = policy.version();
        v[c++] = rewardVersion;
        v[c++] = costVersion;
        v[c++] = gpu;
        v[c++] = device;
        v[c++] = executorId;
        if (gold) {
          v[c++] = ok && scored ? s.goldReward()[i] : null;
          v[c++] = ok && scored ? s.goldCost()[i] : null;
        }
        offer(RowFactory.create(v));
      }
      sampled.clear();
      if (metrics != null) {
        metrics.add(n, errors, tokens);
      }
    }

    /** No scores, the errors generation left. */
    private static TextScorers.Scores unscored(String[] error) {
      return new TextScorers.Scores(null, null, null, null, error);
    }
  }
}
