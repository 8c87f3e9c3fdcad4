package io.dualign.spark.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.DualProblem;
import io.dualign.dual.DualValue;
import io.dualign.dual.InMemoryDualFunction;
import io.dualign.dual.PromptSamples;
import io.dualign.dual.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SparkDualFunctionTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.local();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void distributedTermsEqualTheInMemoryOnesForAnyPartitioning() {
    Random rnd = new Random(5);
    Constraint safety = new Constraint("safety", ConstraintForm.RELATIVE, 0.2);
    Constraint honesty = new Constraint("honesty", ConstraintForm.ABSOLUTE, -0.1);
    DualProblem problem = new DualProblem(0.1, List.of(safety, honesty));
    StructType schema = DataTypes.createStructType(List.of(
        DataTypes.createStructField("prompt_id", DataTypes.StringType, false),
        DataTypes.createStructField("reward", DataTypes.DoubleType, false),
        DataTypes.createStructField("utility_safety", DataTypes.DoubleType, false),
        DataTypes.createStructField("utility_honesty", DataTypes.DoubleType, false),
        DataTypes.createStructField("sample_weight", DataTypes.DoubleType, false)));
    List<Row> rows = new ArrayList<>();
    List<PromptSamples> prompts = new ArrayList<>();
    for (int x = 0; x < 37; x++) {
      int k = 5 + x % 9;
      double[] r = new double[k];
      double[][] g = new double[k][2];
      double[] w = new double[k];
      for (int j = 0; j < k; j++) {
        r[j] = 3 * rnd.nextGaussian();
        g[j][0] = -0.6 * r[j] + rnd.nextGaussian();
        g[j][1] = rnd.nextGaussian();
        w[j] = x % 2 == 0 ? 1.0 : rnd.nextDouble();
        rows.add(RowFactory.create("prompt-" + x, r[j], g[j][0], g[j][1], w[j]));
      }
      prompts.add(new PromptSamples("prompt-" + x, r, g, w));
    }
    java.util.Collections.shuffle(rows, rnd);
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    InMemoryDualFunction local = new InMemoryDualFunction(problem, prompts);
    for (int partitions : new int[] {1, 3, 8}) {
      try (SparkDualFunction f = SparkDualFunction.prepare(df, problem, "prompt_id", "reward",
          List.of("utility_safety", "utility_honesty"), "sample_weight", partitions)) {
        for (double[] lam : new double[][] {{0, 0}, {0.8, 0.3}, {5, 2}}) {
          DualValue a = local.evaluate(lam);
          DualValue b = f.evaluate(lam);
          assertEquals(37, b.prompts());
          assertEquals(rows.size(), b.samples());
          assertEquals(a.value(), b.value(), 1e-12 * Math.max(1, Math.abs(a.value())));
          for (int i = 0; i < 2; i++) {
            assertEquals(a.gradient(i), b.gradient(i), 1e-12);
            for (int j = 0; j < 2; j++) {
              assertEquals(a.hessian(i, j), b.hessian(i, j), 1e-10);
            }
          }
        }
      }
    }
  }
}
