package io.dualign.spark.dual;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.PseudoLabel;
import io.dualign.dual.TestSpark;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RelabelerTest {
  static SparkSession spark;
  static final Constraint SAFETY = new Constraint("safety", ConstraintForm.RELATIVE, 1.0);
  static final StructType SCHEMA = DataTypes.createStructType(List.of(
      DataTypes.createStructField("pair_id", DataTypes.StringType, true),
      DataTypes.createStructField("prompt", DataTypes.StringType, true),
      DataTypes.createStructField("reward_0", DataTypes.DoubleType, true),
      DataTypes.createStructField("reward_1", DataTypes.DoubleType, true),
      DataTypes.createStructField("utility_safety_0", DataTypes.DoubleType, true),
      DataTypes.createStructField("utility_safety_1", DataTypes.DoubleType, true)));

  @BeforeAll
  static void start() {
    spark = TestSpark.local();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static Dataset<Row> pairs(int n) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // every pair: r 0 → 1, g 0.5 → −0.5; with λ = 2 the gap is −1
      rows.add(RowFactory.create("pair-" + i, "prompt " + i, 0.0, 1.0, 0.5, -0.5));
    }
    rows.add(RowFactory.create("bad-nan", "x", 0.0, Double.NaN, 0.0, 0.0));
    rows.add(RowFactory.create("bad-null", "x", 0.0, 1.0, null, 0.0));
    return spark.createDataFrame(rows, SCHEMA);
  }

  static Map<String, Integer> labels(Dataset<Row> d) {
    Map<String, Integer> m = new HashMap<>();
    for (Row r : d.select("pair_id", Relabeler.PREFERRED).collectAsList()) {
      m.put(r.getString(0), r.isNullAt(1) ? null : r.getInt(1));
    }
    return m;
  }

  @Test
  void labelsFollowTheProbabilityAndAreDeterministicAcrossPartitionings() {
    Dataset<Row> in = pairs(4000);
    double[] lambda = {2.0};
    Dataset<Row> a = Relabeler.relabel(in.repartition(1), List.of(SAFETY), lambda, 1.0, 42, 2);
    Dataset<Row> b = Relabeler.relabel(in.repartition(5), List.of(SAFETY), lambda, 1.0, 42, 2);
    Map<String, Integer> la = labels(a);
    assertEquals(la, labels(b));
    assertEquals(la, labels(Relabeler.relabel(in, List.of(SAFETY), lambda, 1.0, 42, 2)));
    assertNotEquals(la, labels(Relabeler.relabel(in, List.of(SAFETY), lambda, 1.0, 42, 3)));

    Row first = a.filter(col("pair_id").equalTo("pair-0")).first();
    assertEquals("prompt 0", first.getString(1), "input columns are kept");
    assertEquals(-1.0, first.getDouble(first.fieldIndex(Relabeler.GAP)), 0.0);
    double p = 1 / (1 + Math.E);
    assertEquals(p, first.getDouble(first.fieldIndex(Relabeler.PROBABILITY)), 1e-16);
    for (int i = 0; i < 50; i++) {
      assertEquals(PseudoLabel.label(p, 42, 2, "pair-" + i), la.get("pair-" + i));
    }
    long ones = la.values().stream().filter(v -> v != null && v == 1).count();
    assertEquals(p, ones / 4000.0, 4 * Math.sqrt(p * (1 - p) / 4000));
  }

  @Test
  void badScoresGetAnErrorAndNoLabel() {
    List<Row> bad = Relabeler.relabel(pairs(3), List.of(SAFETY), new double[] {1.0}, 1.0, 1, 1)
        .filter(col(Relabeler.ERROR).isNotNull()).orderBy("pair_id").collectAsList();
    assertEquals(2, bad.size());
    Row nan = bad.get(0);
    assertEquals("bad-nan", nan.getString(0));
    assertEquals("reward_1 = NaN", nan.getString(nan.fieldIndex(Relabeler.ERROR)));
    assertNull(nan.get(nan.fieldIndex(Relabeler.PREFERRED)));
    Row nul = bad.get(1);
    assertEquals("utility_safety_0 = null", nul.getString(nul.fieldIndex(Relabeler.ERROR)));
  }

  @Test
  void temperatureSoftensAndMissingColumnsAreNamed() {
    Row r = Relabeler.relabel(pairs(1), List.of(SAFETY), new double[] {2.0}, 2.0, 1, 1)
        .filter(col("pair_id").equalTo("pair-0")).first();
    assertEquals(0.3775406687981454, r.getDouble(r.fieldIndex(Relabeler.PROBABILITY)), 1e-16);
    Constraint other = new Constraint("honesty", ConstraintForm.ABSOLUTE, 0.0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Relabeler.relabel(pairs(1), List.of(other), new double[] {1.0}, 1.0, 1, 1));
    assertTrue(e.getMessage().contains("utility_honesty_0"), e.getMessage());
  }
}
