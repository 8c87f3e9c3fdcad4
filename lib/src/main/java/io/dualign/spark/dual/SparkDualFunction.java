package io.dualign.spark.dual;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.dualign.dual.DualFunction;
import io.dualign.dual.DualProblem;
import io.dualign.dual.DualSums;
import io.dualign.dual.DualValue;
import io.dualign.dual.PromptDualAccumulator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * A {@code SparkDualFunction} is the one-shot dual over a Spark table of scored samples: the
 * samples are partitioned by prompt once (and cached), and each evaluation at a λ is one Spark job
 * in which every partition streams its prompts through a {@link PromptDualAccumulator} and returns
 * one {@link DualSums}; a tree reduce brings the sums to the driver, which only divides by the
 * number of prompts. The driver never sees a sample.
 *
 * <p>The table must hold clean rows (finite scores, weights ≥ 0): the caller filters and counts
 * the rest. {@link #close()} releases the cache.
 */
public final class SparkDualFunction implements DualFunction, AutoCloseable {
  private final DualProblem problem;
  private final JavaRDD<Row> byPrompt;

  private SparkDualFunction(DualProblem problem, JavaRDD<Row> byPrompt) {
    this.problem = problem;
    this.byPrompt = byPrompt;
  }

  /**
   * Partitions clean samples by prompt and caches them.
   *
   * @param samples rows with columns {@code promptColumn}, {@code rewardColumn}, each utility
   *     column (in constraint order) and, when {@code weightColumn} is not null, the weight
   * @param partitions number of partitions (e.g. the default parallelism)
   */
  public static SparkDualFunction prepare(Dataset<Row> samples, DualProblem problem,
      String promptColumn, String rewardColumn, List<String> utilityColumns, String weightColumn,
      int partitions) {
    if (utilityColumns.size() != problem.size()) {
      throw new IllegalArgumentException(utilityColumns.size() + " utility columns for "
          + problem.size() + " constraints");
    }
    List<Column> cols = new ArrayList<>();
    cols.add(col(promptColumn).cast("string"));
    cols.add(col(rewardColumn).cast("double"));
    for (String u : utilityColumns) {
      cols.add(col(u).cast("double"));
    }
    cols.add(weightColumn == null ? lit(1.0) : col(weightColumn).cast("double"));
    JavaRDD<Row> rdd = samples.select(cols.toArray(new Column[0]))
        .repartition(Math.max(1, partitions), col(promptColumn))
        .sortWithinPartitions(col(promptColumn))
        .javaRDD()
        .persist(StorageLevel.MEMORY_AND_DISK());
    return new SparkDualFunction(problem, rdd);
  }

  @Override
  public int size() {
    return problem.size();
  }

  /** D, ∇D and ∇²D at λ: one Spark job over the cached samples. */
  @Override
  public DualValue evaluate(double[] lambda) {
    return byPrompt.mapPartitions(new PartitionTermsFn(problem, lambda.clone()))
        .treeReduce(new MergeFn(), 2)
        .mean();
  }

  @Override
  public void close() {
    byPrompt.unpersist(false);
  }

  /** Streams one partition's prompts (rows clustered by prompt id) into one {@link DualSums}. */
  static final class PartitionTermsFn implements FlatMapFunction<Iterator<Row>, DualSums> {
    private static final long serialVersionUID = 1L;
    private final DualProblem problem;
    private final double[] lambda;

    PartitionTermsFn(DualProblem problem, double[] lambda) {
      this.problem = problem;
      this.lambda = lambda;
    }

    @Override
    public Iterator<DualSums> call(Iterator<Row> rows) {
      int m = problem.size();
      DualSums sums = new DualSums(m);
      Set<String> done = new HashSet<>();
      PromptDualAccumulator current = null;
      double[] g = new double[m];
      while (rows.hasNext()) {
        Row r = rows.next();
        String prompt = r.getString(0);
        if (current == null || !current.promptId().equals(prompt)) {
          if (current != null) {
            current.addTo(sums);
            done.add(current.promptId());
          }
          if (done.contains(prompt)) {
            throw new IllegalStateException("prompt " + prompt + " is not contiguous in its "
                + "partition: the samples must be sorted by prompt within partitions");
          }
          current = new PromptDualAccumulator(problem, lambda, prompt);
        }
        for (int i = 0; i < m; i++) {
          g[i] = r.getDouble(2 + i);
        }
        current.add(r.getDouble(1), g, r.getDouble(2 + m));
      }
      if (current != null) {
        current.addTo(sums);
      }
      return List.of(sums).iterator();
    }
  }

  /** Adds two partial sums. */
  static final class MergeFn implements Function2<DualSums, DualSums, DualSums> {
    private static final long serialVersionUID = 1L;

    @Override
    public DualSums call(DualSums a, DualSums b) {
      return a.merge(b);
    }
  }
}
