package io.dualign.jobs.bench;

import io.dualign.config.DualignConfig;
import io.dualign.dual.Constraint;
import io.dualign.dual.DualProblem;
import io.dualign.dual.DualValue;
import io.dualign.dual.InMemoryDualFunction;
import io.dualign.dual.OneShotDualSolver;
import io.dualign.dual.PromptSamples;
import io.dualign.jobs.Dualign;
import io.dualign.spark.dual.SparkDualFunction;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * {@code DualBench} is {@code bench dual}: the one-shot dual on a synthetic sample table of the
 * paper's size (600 prompts × 64 samples) and a 4× larger one (600 × 256), with the configured
 * constraints: seconds per distributed evaluation of D, ∇D and ∇²D, samples per second, the same
 * in memory on the driver, and a full solve.
 */
final class DualBench {
  private static final int PROMPTS = 600;
  private static final int[] SAMPLES = {64, 256};
  private static final int REPEATS = 5;

  private DualBench() {}

  static int run(DualignConfig config, SparkSession spark, PrintWriter out) {
    List<Constraint> constraints = config.dual().constraints();
    int m = constraints.size();
    DualProblem problem = new DualProblem(config.dual().beta(), constraints);
    StringBuilder result = new StringBuilder("RESULT");
    for (int k : SAMPLES) {
      Random rnd = new Random(k);
      List<Row> rows = new ArrayList<>();
      List<PromptSamples> prompts = new ArrayList<>();
      for (int x = 0; x < PROMPTS; x++) {
        double[] r = new double[k];
        double[][] g = new double[k][m];
        for (int j = 0; j < k; j++) {
          Object[] v = new Object[2 + m];
          r[j] = 2.0 * rnd.nextGaussian();
          v[0] = "p" + x;
          v[1] = r[j];
          for (int i = 0; i < m; i++) {
            g[j][i] = -0.5 * r[j] + 2.0 * rnd.nextGaussian();
            v[2 + i] = g[j][i];
          }
          rows.add(RowFactory.create(v));
        }
        prompts.add(PromptSamples.unweighted("p" + x, r, g));
      }
      List<StructField> fields = new ArrayList<>();
      fields.add(DataTypes.createStructField("prompt_id", DataTypes.StringType, false));
      fields.add(DataTypes.createStructField("reward", DataTypes.DoubleType, false));
      List<String> utilities = new ArrayList<>();
      for (Constraint c : constraints) {
        fields.add(DataTypes.createStructField(c.column(), DataTypes.DoubleType, false));
        utilities.add(c.column());
      }
      Dataset<Row> df = spark.createDataFrame(rows, DataTypes.createStructType(fields));
      long n = (long) PROMPTS * k;
      double[] lambda = new double[m];
      java.util.Arrays.fill(lambda, 0.5);
      try (SparkDualFunction f = SparkDualFunction.prepare(df, problem, "prompt_id", "reward",
          utilities, null, spark.sparkContext().defaultParallelism())) {
        long t0 = System.nanoTime();
        f.evaluate(lambda); // partitions and caches the samples
        double first = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        DualValue v = null;
        for (int i = 0; i < REPEATS; i++) {
          v = f.evaluate(lambda);
        }
        double perEval = (System.nanoTime() - t0) / 1e9 / REPEATS;
        InMemoryDualFunction local = new InMemoryDualFunction(problem, prompts);
        t0 = System.nanoTime();
        DualValue lv = null;
        for (int i = 0; i < REPEATS; i++) {
          lv = local.evaluate(lambda);
        }
        double perLocal = (System.nanoTime() - t0) / 1e9 / REPEATS;
        t0 = System.nanoTime();
        OneShotDualSolver.Solution s = OneShotDualSolver.solve(f, config.dual().oneShotOptions());
        double solve = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "%d prompts x %d samples (%d rows, %d constraints): first "
                + "evaluation (partition + cache) %.3f s, distributed evaluation %.3f s "
                + "(%.0f samples/s), in-memory evaluation %.4f s (%.0f samples/s), |D spark - D "
                + "local| = %.2e; solve: %d iterations, %d evaluations, %.3f s, lambda* = %s%n",
            PROMPTS, k, n, m, first, perEval, n / perEval, perLocal, n / perLocal,
            Math.abs(v.value() - lv.value()), s.iterations(), s.evaluations(), solve,
            java.util.Arrays.toString(s.lambda()));
        String tag = "k" + k;
        result.append(String.format(Locale.ROOT,
            " %s_eval_seconds=%.4f %s_samples_per_second=%.0f %s_local_samples_per_second=%.0f "
                + "%s_solve_seconds=%.3f %s_solve_iterations=%d", tag, perEval, tag, n / perEval,
            tag, n / perLocal, tag, solve, tag, s.iterations()));
      }
    }
    out.println(result);
    return Dualign.OK;
  }
}
