package io.dualign.spark.dual;

import io.dualign.dual.Constraint;
import io.dualign.dual.PseudoLabel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A {@code Relabeler} relabels a table of scored pairs at a given λ (step 1 of a CAID iteration):
 * every row keeps its columns and gains {@code lagrangian_gap} (r_λ(y1) − r_λ(y0)),
 * {@code prefer_1_probability}, {@code preferred_id} (1 when y1 ≻ y0, else 0) and
 * {@code relabel_error} (null when fine; otherwise the label columns are null and the error names
 * the bad score). Labels follow {@link PseudoLabel}: deterministic per (run seed, iteration, pair).
 *
 * <p>Input contract ({@code <run-dir>/score/pairs}): {@code pair_id} string, {@code reward_0},
 * {@code reward_1} double, and {@code utility_<name>_0}, {@code utility_<name>_1} double per
 * constraint.
 */
public final class Relabeler {
  public static final String PAIR_ID = "pair_id";
  public static final String GAP = "lagrangian_gap";
  public static final String PROBABILITY = "prefer_1_probability";
  public static final String PREFERRED = "preferred_id";
  public static final String ERROR = "relabel_error";

  private Relabeler() {}

  /** The relabelled pairs (lazy: nothing runs until an action or a write). */
  public static Dataset<Row> relabel(Dataset<Row> pairs, List<Constraint> constraints,
      double[] lambda, double temperature, long runSeed, int iteration) {
    if (lambda.length != constraints.size()) {
      throw new IllegalArgumentException("λ has " + lambda.length + " components for "
          + constraints.size() + " constraints");
    }
    PseudoLabel.preferSecondProbability(0.0, temperature); // validates τ
    List<String> have = Arrays.asList(pairs.columns());
    List<String> needed = new ArrayList<>(List.of(PAIR_ID, "reward_0", "reward_1"));
    for (Constraint c : constraints) {
      needed.add(c.pairColumn(0));
      needed.add(c.pairColumn(1));
    }
    for (String n : needed) {
      if (!have.contains(n)) {
        throw new IllegalArgumentException("scored pairs lack column " + n + "; they have " + have);
      }
    }
    for (String n : List.of(GAP, PROBABILITY, PREFERRED, ERROR)) {
      if (have.contains(n)) {
        throw new IllegalArgumentException("scored pairs already have column " + n);
      }
    }
    StructType in = pairs.schema();
    int[] positions = new int[needed.size()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = in.fieldIndex(needed.get(i));
    }
    StructType out = in
        .add(new StructField(GAP, DataTypes.DoubleType, true, org.apache.spark.sql.types.Metadata.empty()))
        .add(new StructField(PROBABILITY, DataTypes.DoubleType, true, org.apache.spark.sql.types.Metadata.empty()))
        .add(new StructField(PREFERRED, DataTypes.IntegerType, true, org.apache.spark.sql.types.Metadata.empty()))
        .add(new StructField(ERROR, DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty()));
    return pairs.mapPartitions(new RelabelFn(positions, needed.toArray(new String[0]),
        lambda.clone(), temperature, runSeed, iteration), Encoders.row(out));
  }

  /** Relabels the rows of one partition; pure per row. */
  static final class RelabelFn implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final int[] positions; // pair_id, reward_0, reward_1, then (g_i0, g_i1) per constraint
    private final String[] names;
    private final double[] lambda;
    private final double temperature;
    private final long runSeed;
    private final int iteration;

    RelabelFn(int[] positions, String[] names, double[] lambda, double temperature, long runSeed,
        int iteration) {
      this.positions = positions;
      this.names = names;
      this.lambda = lambda;
      this.temperature = temperature;
      this.runSeed = runSeed;
      this.iteration = iteration;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      int m = lambda.length;
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row r = rows.next();
          Object[] values = new Object[r.size() + 4];
          for (int i = 0; i < r.size(); i++) {
            values[i] = r.get(i);
          }
          String error = null;
          String pairId = r.isNullAt(positions[0]) ? null : r.get(positions[0]).toString();
          if (pairId == null) {
            error = "pair_id is null";
          }
          double[] s = new double[2 + 2 * m];
          for (int k = 0; k < s.length && error == null; k++) {
            int p = positions[k + 1];
            s[k] = r.isNullAt(p) ? Double.NaN : ((Number) r.get(p)).doubleValue();
            if (!Double.isFinite(s[k])) {
              error = String.format(Locale.ROOT, "%s = %s", names[k + 1],
                  r.isNullAt(p) ? "null" : Double.toString(s[k]));
            }
          }
          int base = r.size();
          if (error == null) {
            double[] g0 = new double[m];
            double[] g1 = new double[m];
            for (int i = 0; i < m; i++) {
              g0[i] = s[2 + 2 * i];
              g1[i] = s[3 + 2 * i];
            }
            double gap = PseudoLabel.lagrangianGap(s[0], s[1], g0, g1, lambda);
            double p = PseudoLabel.preferSecondProbability(gap, temperature);
            values[base] = gap;
            values[base + 1] = p;
            values[base + 2] = PseudoLabel.label(p, runSeed, iteration, pairId);
          }
          values[base + 3] = error;
          return RowFactory.create(values);
        }
      };
    }
  }
}
