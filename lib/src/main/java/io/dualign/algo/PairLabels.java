package io.dualign.algo;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.dualign.dual.Constraint;
import io.dualign.spark.dual.Relabeler;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code PairLabels} are how an {@link AlignMethod} labels the train pairs of an iteration:
 * pseudo-labels drawn at the iteration's λ ({@link #atLambda}) or the data's own preference
 * column ({@link #fromData}).
 *
 * <p>Every labelled table has {@code preferred_id} (int, 1 when response_1 is preferred) and
 * {@code label_source} (string); relabelled ones also carry the relabeller's columns. Rows the
 * relabeller rejects keep a null {@code preferred_id} and their {@code relabel_error}.
 */
public interface PairLabels {
  /** The data's helpfulness preference column. */
  String BETTER = "better_response_id";
  /** The data's safety preference column. */
  String SAFER = "safer_response_id";
  /** The column saying where a row's label came from. */
  String LABEL_SOURCE = "label_source";

  /**
   * Labels {@code pairs} for iteration {@code iteration} at multiplier {@code lambda}; draws are
   * seeded by the run seed, the iteration and the pair id.
   */
  Dataset<Row> label(Dataset<Row> pairs, List<Constraint> constraints, double[] lambda,
      double temperature, long runSeed, int iteration);

  /** Whether the labels depend on λ (and so on the constraints' thresholds). */
  boolean relabels();

  /** Pseudo-labels drawn at λ by {@link Relabeler}. */
  static PairLabels atLambda() {
    return AtLambda.INSTANCE;
  }

  /** The data's preference in {@code column} ({@link #BETTER} or {@link #SAFER}). */
  static PairLabels fromData(String column) {
    return new FromData(column);
  }

  /** Pseudo-labels at λ. */
  enum AtLambda implements PairLabels {
    INSTANCE;

    @Override
    public Dataset<Row> label(Dataset<Row> pairs, List<Constraint> constraints, double[] lambda,
        double temperature, long runSeed, int iteration) {
      return Relabeler.relabel(pairs, constraints, lambda, temperature, runSeed, iteration)
          .withColumn(LABEL_SOURCE, lit("pseudo-label at lambda " + Arrays.toString(lambda)));
    }

    @Override
    public boolean relabels() {
      return true;
    }
  }

  /** The data's labels in one column; λ is ignored. */
  record FromData(String column) implements PairLabels {
    @Override
    public Dataset<Row> label(Dataset<Row> pairs, List<Constraint> constraints, double[] lambda,
        double temperature, long runSeed, int iteration) {
      return pairs.withColumn(Relabeler.PREFERRED, col(column).cast(DataTypes.IntegerType))
          .withColumn(LABEL_SOURCE, lit(column));
    }

    @Override
    public boolean relabels() {
      return false;
    }
  }
}
