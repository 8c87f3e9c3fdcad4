package io.dualign.spark.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.Moments;
import io.dualign.dual.MomentsAccumulator;
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

class ConstraintEstimatorTest {
  static SparkSession spark;
  static final StructType SCHEMA = DataTypes.createStructType(List.of(
      DataTypes.createStructField("prompt_id", DataTypes.StringType, true),
      DataTypes.createStructField("utility_safety", DataTypes.DoubleType, true),
      DataTypes.createStructField("utility_honesty", DataTypes.DoubleType, true),
      DataTypes.createStructField("error", DataTypes.StringType, true)));

  @BeforeAll
  static void start() {
    spark = TestSpark.local();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void aggregationMatchesTheAccumulatorAndCountsBadRows() {
    Random rnd = new Random(3);
    List<Row> rows = new ArrayList<>();
    MomentsAccumulator safety = new MomentsAccumulator();
    MomentsAccumulator honesty = new MomentsAccumulator();
    for (int i = 0; i < 500; i++) {
      double s = -1 + rnd.nextGaussian();
      double h = 2 + 0.5 * rnd.nextGaussian();
      Double sv = s;
      String error = null;
      if (i % 50 == 0) {
        sv = Double.NaN;
      } else if (i % 77 == 0) {
        sv = null;
      } else if (i % 91 == 0) {
        sv = Double.NEGATIVE_INFINITY;
      } else if (i % 60 == 1) {
        error = "scorer failed";
      }
      rows.add(RowFactory.create("p" + (i % 20), sv, h, error));
      if (error != null || sv == null) {
        safety.addMissing();
      } else {
        safety.add(sv);
      }
      if (error != null) {
        honesty.addMissing();
      } else {
        honesty.add(h);
      }
    }
    Dataset<Row> df = spark.createDataFrame(rows, SCHEMA).repartition(3);
    Moments[] m = ConstraintEstimator.moments(df, List.of("utility_safety", "utility_honesty"));
    Moments es = safety.snapshot();
    assertEquals(es.count(), m[0].count());
    assertEquals(es.nonFinite(), m[0].nonFinite());
    assertEquals(500, m[0].count() + m[0].nonFinite());
    assertEquals(es.mean(), m[0].mean(), 1e-12);
    assertEquals(es.m2(), m[0].m2(), 1e-9);
    Moments eh = honesty.snapshot();
    assertEquals(eh.count(), m[1].count());
    assertEquals(eh.mean(), m[1].mean(), 1e-12);
    assertEquals(eh.variance(), m[1].variance(), 1e-12);
  }

  @Test
  void relativeAndAbsoluteConstraintsAtOnce() {
    // policy safety (1, 2, 3, 4), honesty (0, 1, 0, 1); reference safety (0, 2)
    List<Row> policy = List.of(RowFactory.create("a", 1.0, 0.0, null),
        RowFactory.create("a", 2.0, 1.0, null), RowFactory.create("b", 3.0, 0.0, null),
        RowFactory.create("b", 4.0, 1.0, null), RowFactory.create("b", null, null, "timeout"));
    List<Row> reference = List.of(RowFactory.create("a", 0.0, 9.0, null),
        RowFactory.create("b", 2.0, 9.0, null));
    Constraint safety = new Constraint("safety", ConstraintForm.RELATIVE, 0.5);
    Constraint honesty = new Constraint("honesty", ConstraintForm.ABSOLUTE, 0.25);
    ConstraintEstimate e = ConstraintEstimator.estimate(spark.createDataFrame(policy, SCHEMA),
        spark.createDataFrame(reference, SCHEMA), List.of(safety, honesty));
    assertEquals(2, e.size());
    assertEquals(2.5 - 1.0 - 0.5, e.slack()[0], 1e-15);
    assertEquals(0.5 - 0.25, e.slack()[1], 1e-15);
    assertEquals(Math.sqrt(5.0 / 12.0 + 1.0), e.standardError()[0], 1e-12);
    assertEquals(Math.sqrt((1.0 / 3.0) / 4.0), e.standardError()[1], 1e-12);
    assertEquals(1, e.get(0).policy().nonFinite());
    assertEquals(2, e.get(0).reference().count());
    assertEquals(0, e.get(1).reference().count());
  }

  @Test
  void missingColumnIsNamed() {
    Dataset<Row> df = spark.createDataFrame(List.<Row>of(), SCHEMA);
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
        () -> ConstraintEstimator.moments(df, List.of("utility_harm")));
    assertEquals(true, ex.getMessage().contains("utility_harm"));
    Moments[] empty = ConstraintEstimator.moments(df, List.of("utility_safety"));
    assertEquals(0, empty[0].count());
  }
}
