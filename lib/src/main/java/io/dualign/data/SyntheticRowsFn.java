package io.dualign.data;

import io.dualign.config.DataSettings;
import io.dualign.data.synthetic.SyntheticGenerator;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;

/**
 * {@code SyntheticRowsFn} generates synthetic pairs for a partition of pair indexes and validates
 * each generated line with the same {@link RowParser} as file input (line = index + 1).
 */
public final class SyntheticRowsFn implements MapPartitionsFunction<Long, Row> {
  private static final long serialVersionUID = 1L;

  private final DataSettings settings;
  private final long seed;

  public SyntheticRowsFn(DataSettings settings, long seed) {
    this.settings = settings;
    this.seed = seed;
  }

  /** The source_file value of synthetic rows. */
  public static String sourceName(long seed) {
    return "synthetic:seed=" + seed;
  }

  @Override
  public Iterator<Row> call(Iterator<Long> indexes) {
    SyntheticGenerator gen = new SyntheticGenerator(settings, seed);
    RowParser parser = new RowParser(settings, seed, sourceName(seed));
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return indexes.hasNext();
      }

      @Override
      public Row next() {
        long i = indexes.next();
        return parser.parseText(gen.jsonLine(i), i + 1);
      }
    };
  }
}
