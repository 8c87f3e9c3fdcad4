package io.dualign.spark;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * {@code RolloutMetrics} are the accumulators partition functions add to as rows finish: rows,
 * rows with an error, and generated (or scored) tokens. They are for progress display only: a
 * retried task adds twice, so no result may be computed from them (counts in {@code _SUCCESS.json}
 * come from the written table).
 */
public final class RolloutMetrics implements Serializable {
  private static final long serialVersionUID = 1L;
  private final LongAccumulator rows;
  private final LongAccumulator errors;
  private final LongAccumulator tokens;

  private RolloutMetrics(LongAccumulator rows, LongAccumulator errors, LongAccumulator tokens) {
    this.rows = rows;
    this.errors = errors;
    this.tokens = tokens;
  }

  /** New accumulators registered with {@code sc}, named after {@code what}. */
  public static RolloutMetrics register(SparkContext sc, String what) {
    return new RolloutMetrics(sc.longAccumulator(what + " rows"),
        sc.longAccumulator(what + " errors"), sc.longAccumulator(what + " tokens"));
  }

  public LongAccumulator rows() {
    return rows;
  }

  public LongAccumulator errors() {
    return errors;
  }

  public LongAccumulator tokens() {
    return tokens;
  }

  void add(long rowCount, long errorCount, long tokenCount) {
    rows.add(rowCount);
    errors.add(errorCount);
    tokens.add(tokenCount);
  }
}
