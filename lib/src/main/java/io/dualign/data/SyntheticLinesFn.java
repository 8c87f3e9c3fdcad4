package io.dualign.data;

import io.dualign.data.synthetic.SyntheticGenerator;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;

/** {@code SyntheticLinesFn} turns pair indexes into synthetic JSON lines (for writing jsonl files). */
public final class SyntheticLinesFn implements MapPartitionsFunction<Long, String> {
  private static final long serialVersionUID = 1L;

  private final SyntheticGenerator generator;

  public SyntheticLinesFn(SyntheticGenerator generator) {
    this.generator = generator;
  }

  @Override
  public Iterator<String> call(Iterator<Long> indexes) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return indexes.hasNext();
      }

      @Override
      public String next() {
        return generator.jsonLine(indexes.next());
      }
    };
  }
}
