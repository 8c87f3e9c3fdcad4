package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.dual.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The score stage scores every prepared pair, or with {@code align.scoreAllPairs = false} the
 * train pairs the DPO epochs read (the first {@code align.maxPairs} by pair id) and every test
 * pair.
 */
class ScorePairsSelectionTest {
  @Test
  void onlyThePairsTheDpoEpochsReadAndTheTestPairsAreScoredWhenAsked() {
    SparkSession spark = TestSpark.local();
    StructType schema = new StructType().add("pair_id", DataTypes.StringType)
        .add("split", DataTypes.StringType);
    List<Row> rows = new ArrayList<>();
    for (String id : List.of("p7", "p2", "p9", "p4", "p1")) {
      rows.add(RowFactory.create(id, "train"));
    }
    rows.add(RowFactory.create("p3", "test"));
    rows.add(RowFactory.create("p8", "test"));
    Dataset<Row> prepared = spark.createDataFrame(rows, schema);
    ConfigLoader loader = ConfigLoader.fromClasspath();
    DualignConfig some = loader.load("tiny", null, List.of("align.scoreAllPairs=false",
        "align.maxPairs=2"));
    assertEquals(List.of("p1/train", "p2/train", "p3/test", "p8/test"),
        ids(ScorePairsJob.pairsToScore(prepared, some.align())));
    DualignConfig all = loader.load("tiny", null, List.of("align.maxPairs=2"));
    assertEquals(7, ScorePairsJob.pairsToScore(prepared, all.align()).count());
    DualignConfig noBudget = loader.load("tiny", null, List.of("align.scoreAllPairs=false",
        "align.maxPairs=0"));
    assertEquals(7, ScorePairsJob.pairsToScore(prepared, noBudget.align()).count(),
        "every train pair is read when align.maxPairs is 0");
  }

  private static List<String> ids(Dataset<Row> d) {
    return d.collectAsList().stream().map(r -> r.getString(0) + "/" + r.getString(1)).sorted()
        .toList();
  }
}
