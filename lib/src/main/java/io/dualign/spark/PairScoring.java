package io.dualign.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import ai.djl.Device;
import io.dualign.vocabulary.ScorerRole;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * {@code PairScoring} scores both responses of preference pairs with the reward and every utility
 * on the executors: the {@code score} stage's {@code score/pairs}, which relabelling and DPO read.
 * Output columns: the pair columns relabelling needs (pair_id, prompt_id, split, category, prompt,
 * response_0, response_1, better_response_id, safer_response_id, is_response_0_safe,
 * is_response_1_safe), then reward_0, reward_1, {@code utility_<name>_0}, {@code utility_<name>_1}
 * per constraint, reward_version, cost_version, device, executor_id, optionally gold_reward_0/1 and
 * gold_cost_0/1, and error (null when both responses scored; else no scores for the pair).
 */
public final class PairScoring {
  /** The pair columns carried through, with their types. */
  private static final String[] PAIR_COLUMNS = {"pair_id", "prompt_id", "split", "category",
      "prompt", "response_0", "response_1", "better_response_id", "safer_response_id",
      "is_response_0_safe", "is_response_1_safe"};
  private static final DataType[] PAIR_TYPES = {StringType, StringType, StringType, StringType,
      StringType, StringType, StringType, IntegerType, IntegerType, BooleanType, BooleanType};

  private PairScoring() {}

  /** The pinned output schema for {@code spec}. */
  public static StructType schema(ScoringSpec spec) {
    StructType s = new StructType();
    for (int i = 0; i < PAIR_COLUMNS.length; i++) {
      s = s.add(PAIR_COLUMNS[i], PAIR_TYPES[i], true);
    }
    s = s.add("reward_0", DoubleType, true).add("reward_1", DoubleType, true);
    for (String u : spec.utilityColumns()) {
      s = s.add(u + "_0", DoubleType, true).add(u + "_1", DoubleType, true);
    }
    s = s.add(ScorerRole.REWARD.versionColumn(), StringType, true)
        .add(ScorerRole.COST.versionColumn(), StringType, true)
        .add(RolloutTable.DEVICE, StringType, true)
        .add(RolloutTable.EXECUTOR_ID, StringType, true);
    if (spec.gold()) {
      s = s.add("gold_reward_0", DoubleType, true).add("gold_reward_1", DoubleType, true)
          .add("gold_cost_0", DoubleType, true).add("gold_cost_1", DoubleType, true);
    }
    return s.add("error", StringType, true);
  }

  /**
   * The scored pairs, computed when an action runs. {@code pairs} needs pair_id, prompt_id, prompt,
   * response_0 and response_1; the other carried columns are null when absent.
   *
   * @param partitions partitions of the scoring job (0: keep the input's)
   */
  public static Dataset<Row> score(Dataset<Row> pairs, ScoringSpec spec, int partitions,
      RolloutMetrics metrics) {
    List<String> have = Arrays.asList(pairs.columns());
    for (String need : List.of("pair_id", "prompt_id", "prompt", "response_0", "response_1")) {
      if (!have.contains(need)) {
        throw new IllegalArgumentException("pairs need a column '" + need + "'; they have " + have);
      }
    }
    Column[] select = new Column[PAIR_COLUMNS.length];
    for (int i = 0; i < PAIR_COLUMNS.length; i++) {
      select[i] = have.contains(PAIR_COLUMNS[i]) ? col(PAIR_COLUMNS[i]).cast(PAIR_TYPES[i])
          : lit(null).cast(PAIR_TYPES[i]).as(PAIR_COLUMNS[i]);
    }
    Dataset<Row> in = pairs.select(select);
    if (partitions > 0) {
      // Range partitioning gives every task the same number of pairs (hashing the pair id left
      // tasks apart, and the job waits for the longest); scores do not depend on partitioning.
      in = in.repartitionByRange(partitions, col("pair_id"));
    }
    return in.mapPartitions(new PairScoreFn(spec, metrics), Encoders.row(schema(spec)));
  }

  /** The partition function: scores batches of pairs (2 rows each) with every model. */
  static final class PairScoreFn implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final ScoringSpec spec;
    private final RolloutMetrics metrics;

    PairScoreFn(ScoringSpec spec, RolloutMetrics metrics) {
      this.spec = spec;
      this.metrics = metrics;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) throws Exception {
      ExecutorModels.applyThreads(spec.threadsPerTask());
      Device device = ExecutorModels.taskDevice();
      TextScorers scorers = new TextScorers(spec, device);
      FaultInjection.maybeFail("score");
      String executorId = SparkEnv.get() == null ? null : SparkEnv.get().executorId();
      return new PairBatches(spec, metrics, scorers, input, device.toString(), executorId);
    }
  }

  private static final class PairBatches extends BufferingIterator<Row> {
    /** Score batches read and scored together. */
    private static final int CHUNK_BATCHES = 8;
    private final ScoringSpec spec;
    private final RolloutMetrics metrics;
    private final TextScorers scorers;
    private final Iterator<Row> input;
    private final String device;
    private final String executorId;

    PairBatches(ScoringSpec spec, RolloutMetrics metrics, TextScorers scorers,
        Iterator<Row> input, String device, String executorId) {
      this.spec = spec;
      this.metrics = metrics;
      this.scorers = scorers;
      this.input = input;
      this.device = device;
      this.executorId = executorId;
    }

    /**
     * Scores the next chunk of {@link #CHUNK_BATCHES} batches of pairs. The scorers batch rows
     * by length bucket within a call, so a chunk of one batch would split into a partial batch
     * per bucket; a chunk of several fills most batches (a row's score does not depend on its
     * batch).
     */
    @Override
    protected void fill() {
      int pairsPerChunk = Math.max(1, spec.batchSize() / 2) * CHUNK_BATCHES;
      List<Row> batch = new ArrayList<>(pairsPerChunk);
      while (batch.size() < pairsPerChunk && input.hasNext()) {
        batch.add(input.next());
      }
      if (batch.isEmpty()) {
        return;
      }
      int n = batch.size();
      List<String> prompts = new ArrayList<>(2 * n);
      List<String> responses = new ArrayList<>(2 * n);
      for (Row r : batch) {
        prompts.add(r.getString(4));
        responses.add(r.getString(5));
        prompts.add(r.getString(4));
        responses.add(r.getString(6));
      }
      TextScorers.Scores s = scorers.score(prompts, responses, null);
      int m = s.utilities().length;
      long errors = 0;
      String rewardVersion = scorers.version(ScorerRole.REWARD);
      String costVersion = scorers.version(ScorerRole.COST);
      for (int p = 0; p < n; p++) {
        Row r = batch.get(p);
        int a = 2 * p;
        int b = 2 * p + 1;
        String err = s.error()[a] != null ? "response_0: " + s.error()[a]
            : s.error()[b] != null ? "response_1: " + s.error()[b] : null;
        if (s.error()[a] != null && s.error()[b] != null && s.error()[a].equals(s.error()[b])) {
          err = s.error()[a];
        }
        boolean ok = err == null;
        errors += ok ? 0 : 1;
        Object[] v = new Object[PAIR_COLUMNS.length + 2 + 2 * m + 4 + (spec.gold() ? 4 : 0) + 1];
        int c = 0;
        for (int i = 0; i < PAIR_COLUMNS.length; i++) {
          v[c++] = r.get(i);
        }
        v[c++] = ok ? s.reward()[a] : null;
        v[c++] = ok ? s.reward()[b] : null;
        for (int u = 0; u < m; u++) {
          v[c++] = ok ? s.utilities()[u][a] : null;
          v[c++] = ok ? s.utilities()[u][b] : null;
        }
        v[c++] = rewardVersion;
        v[c++] = costVersion;
        v[c++] = device;
        v[c++] = executorId;
        if (spec.gold()) {
          v[c++] = ok ? s.goldReward()[a] : null;
          v[c++] = ok ? s.goldReward()[b] : null;
          v[c++] = ok ? s.goldCost()[a] : null;
          v[c++] = ok ? s.goldCost()[b] : null;
        }
        v[c++] = err;
        offer(RowFactory.create(v));
      }
      if (metrics != null) {
        metrics.add(n, errors, 0);
      }
    }
  }
}
