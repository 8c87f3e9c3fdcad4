package io.dualign.algo.align;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.dualign.algo.PairLabels;
import io.dualign.dual.Constraint;
import io.dualign.spark.dual.Relabeler;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code AlignPairs} is the pair table the align stage trains on: the scored pairs of
 * {@code <run-dir>/score/pairs} (pinned {@link #scoredSchema}), restricted to the train split and
 * to rows without a scoring error, joined with their reference log-probabilities, and labelled by
 * the method's {@link PairLabels}: pseudo-labels at λ ({@link Relabeler}) or the data's own
 * preference.
 */
public final class AlignPairs {
  public static final String PAIR_ID = "pair_id";
  public static final String PROMPT_ID = "prompt_id";
  public static final String SPLIT = "split";
  public static final String PROMPT = "prompt";
  public static final String RESPONSE_0 = "response_0";
  public static final String RESPONSE_1 = "response_1";
  public static final String BETTER = PairLabels.BETTER;
  public static final String SAFER = PairLabels.SAFER;
  public static final String ERROR = "error";
  public static final String LABEL_SOURCE = PairLabels.LABEL_SOURCE;
  public static final String TRAIN = "train";

  private AlignPairs() {}

  /** The columns of {@code score/pairs} the align stage reads, with their types. */
  public static StructType scoredSchema(List<Constraint> constraints) {
    StructType s = new StructType()
        .add(PAIR_ID, DataTypes.StringType, true)
        .add(PROMPT_ID, DataTypes.StringType, true)
        .add(SPLIT, DataTypes.StringType, true)
        .add(PROMPT, DataTypes.StringType, true)
        .add(RESPONSE_0, DataTypes.StringType, true)
        .add(RESPONSE_1, DataTypes.StringType, true)
        .add(BETTER, DataTypes.IntegerType, true)
        .add(SAFER, DataTypes.IntegerType, true)
        .add("reward_0", DataTypes.DoubleType, true)
        .add("reward_1", DataTypes.DoubleType, true);
    for (Constraint c : constraints) {
      s = s.add(c.pairColumn(0), DataTypes.DoubleType, true)
          .add(c.pairColumn(1), DataTypes.DoubleType, true);
    }
    return s.add(ERROR, DataTypes.StringType, true);
  }

  /**
   * The train pairs without an error, ordered by pair id, at most {@code maxPairs} of them (0: all;
   * the first by pair id, so every iteration and every resume sees the same pairs).
   */
  public static Dataset<Row> trainPairs(Dataset<Row> scored, long maxPairs) {
    return firstByPairId(scored.filter(col(SPLIT).equalTo(lit(TRAIN)).and(col(ERROR).isNull())
        .and(col(PAIR_ID).isNotNull())), maxPairs);
  }

  /** The first {@code maxPairs} of {@code pairs} by pair id (0: all of them). */
  public static Dataset<Row> firstByPairId(Dataset<Row> pairs, long maxPairs) {
    return maxPairs > 0 ? pairs.orderBy(col(PAIR_ID)).limit((int) Math.min(Integer.MAX_VALUE,
        maxPairs)) : pairs;
  }

  /** Columns of the labelled table the DPO epoch reads, in the order {@link DpoEpoch} expects. */
  public static Column[] trainingColumns() {
    List<Column> c = new ArrayList<>();
    for (String n : List.of(PAIR_ID, PROMPT, RESPONSE_0, RESPONSE_1, Relabeler.PREFERRED,
        ReferenceLogProbs.REF_0, ReferenceLogProbs.REF_1)) {
      c.add(col(n));
    }
    return c.toArray(new Column[0]);
  }
}
