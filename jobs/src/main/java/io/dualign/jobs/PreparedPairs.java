package io.dualign.jobs;

import io.dualign.config.ConfigError;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.train.PairRow;
import io.dualign.vocabulary.Stage;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code PreparedPairs} is the {@code prepare/pairs} table as the training stages read it: the
 * columns they use, with a pinned schema.
 */
final class PreparedPairs {
  static final String TABLE = "pairs";
  static final StructType SCHEMA = new StructType()
      .add("pair_id", DataTypes.StringType, false)
      .add("prompt_id", DataTypes.StringType, false)
      .add("prompt", DataTypes.StringType, false)
      .add("response_0", DataTypes.StringType, false)
      .add("response_1", DataTypes.StringType, false)
      .add("better_response_id", DataTypes.IntegerType, false)
      .add("safer_response_id", DataTypes.IntegerType, false)
      .add("is_response_0_safe", DataTypes.BooleanType, true)
      .add("is_response_1_safe", DataTypes.BooleanType, true)
      .add("split", DataTypes.StringType, false);

  private PreparedPairs() {}

  /** The committed pairs of the run; fails naming the stage to run when prepare is missing. */
  static Dataset<Row> read(SparkSession spark, RunDirectory dir, Stage reader) {
    String prepare = Stage.PREPARE.cliName();
    if (dir.state(prepare) != OutputState.COMMITTED) {
      throw new ConfigError("stage " + reader.cliName() + " needs the output of prepare, which is "
          + "not committed in " + dir.root() + "; run 'dualign prepare' first");
    }
    return spark.read().schema(SCHEMA).parquet(new Path(dir.path(prepare), TABLE).toString());
  }

  /** One row of {@link #SCHEMA} as a {@link PairRow}. */
  static PairRow toPair(Row r) {
    return new PairRow(r.getString(r.fieldIndex("pair_id")), r.getString(r.fieldIndex("prompt")),
        r.getString(r.fieldIndex("response_0")), r.getString(r.fieldIndex("response_1")),
        r.getInt(r.fieldIndex("better_response_id")), r.getInt(r.fieldIndex("safer_response_id")),
        label(r, "is_response_0_safe"), label(r, "is_response_1_safe"),
        r.getString(r.fieldIndex("split")));
  }

  /** A safety label, null when the source has none (HH-RLHF). */
  private static Boolean label(Row r, String column) {
    int i = r.fieldIndex(column);
    return r.isNullAt(i) ? null : r.getBoolean(i);
  }
}
