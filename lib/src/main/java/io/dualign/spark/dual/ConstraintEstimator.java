package io.dualign.spark.dual;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.var_samp;
import static org.apache.spark.sql.functions.when;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.Moments;
import io.dualign.dual.SlackEstimate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code ConstraintEstimator} computes constraint estimates from scored rows (rollouts of the
 * current policy, samples of the reference) with one Spark action per table:
 * {@code agg(count, avg, var_samp)} over each utility column, never accumulators (a retried task
 * would count twice).
 *
 * <p>A value counts when it is finite and its row has no error (a null {@code error} column, when
 * the table has one); every other row is counted in {@link Moments#nonFinite()} of that column.
 */
public final class ConstraintEstimator {
  /** The per-row problem column of scored tables: null when the row is fine. */
  public static final String ERROR_COLUMN = "error";

  private ConstraintEstimator() {}

  /**
   * The moments of each column, in order, from one aggregation (a single Spark job).
   *
   * @throws IllegalArgumentException naming a column the table does not have
   */
  public static Moments[] moments(Dataset<Row> rows, List<String> columns) {
    List<String> have = Arrays.asList(rows.columns());
    boolean hasError = have.contains(ERROR_COLUMN);
    List<Column> aggs = new ArrayList<>();
    for (String c : columns) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("column " + c + " is missing; the table has " + have);
      }
      Column usable = finite(col(c));
      if (hasError) {
        usable = usable.and(col(ERROR_COLUMN).isNull());
      }
      Column value = when(usable, col(c).cast("double"));
      aggs.add(count(value));
      aggs.add(org.apache.spark.sql.functions.avg(value));
      aggs.add(var_samp(value));
      aggs.add(count(when(not(usable), lit(1))));
    }
    Row r = rows.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    Moments[] out = new Moments[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      int o = 4 * i;
      out[i] = Moments.fromAggregates(r.getLong(o), r.isNullAt(o + 1) ? null : r.getDouble(o + 1),
          r.isNullAt(o + 2) ? null : r.getDouble(o + 2), r.getLong(o + 3));
    }
    return out;
  }

  /**
   * The slack estimate of every constraint: the policy's moments from {@code policyRows}, and for
   * relative constraints the reference moments from {@code referenceRows} (scored with the same
   * scorer, template and truncation). {@code referenceRows} may be null when every constraint is
   * absolute.
   */
  public static ConstraintEstimate estimate(Dataset<Row> policyRows, Dataset<Row> referenceRows,
      List<Constraint> constraints) {
    List<String> columns = constraints.stream().map(Constraint::column).toList();
    Moments[] policy = moments(policyRows, columns);
    List<String> relativeColumns = constraints.stream()
        .filter(c -> c.form() == ConstraintForm.RELATIVE).map(Constraint::column).toList();
    Moments[] reference = new Moments[0];
    if (!relativeColumns.isEmpty()) {
      if (referenceRows == null) {
        throw new IllegalArgumentException("relative constraints " + relativeColumns
            + " need reference samples");
      }
      reference = moments(referenceRows, relativeColumns);
    }
    List<SlackEstimate> slacks = new ArrayList<>();
    int r = 0;
    for (int i = 0; i < constraints.size(); i++) {
      Constraint c = constraints.get(i);
      Moments ref = c.form() == ConstraintForm.RELATIVE ? reference[r++] : Moments.EMPTY;
      slacks.add(new SlackEstimate(c, policy[i], ref));
    }
    return new ConstraintEstimate(slacks);
  }

  /** True when {@code c} is neither null, NaN nor ±∞. */
  public static Column finite(Column c) {
    return c.isNotNull().and(not(isnan(c)))
        .and(c.notEqual(lit(Double.POSITIVE_INFINITY)))
        .and(c.notEqual(lit(Double.NEGATIVE_INFINITY)));
  }
}
