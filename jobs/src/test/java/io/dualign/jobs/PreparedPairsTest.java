package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.train.PairRow;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.junit.jupiter.api.Test;

/** Prepared pairs as the training stages read them, with and without safety labels. */
class PreparedPairsTest {
  static Row row(Boolean safe0, Boolean safe1) {
    return new GenericRowWithSchema(new Object[] {"pair-1", "prompt-1", "Hi?", "Hello.", "Go away.",
        0, 1, safe0, safe1, "train"}, PreparedPairs.SCHEMA);
  }

  @Test
  void safetyLabelsAreReadWhenPresent() {
    PairRow p = PreparedPairs.toPair(row(true, false));
    assertEquals("pair-1", p.pairId());
    assertEquals(0, p.betterId());
    assertEquals(1, p.saferId());
    assertEquals(Boolean.TRUE, p.safe(0));
    assertEquals(Boolean.FALSE, p.safe(1));
    assertTrue(p.hasSafetyLabels());
    assertTrue(p.isTrain());
  }

  @Test
  void hhRlhfPairsWithoutSafetyLabelsAreReadAsNull() {
    PairRow p = PreparedPairs.toPair(row(null, null));
    assertNull(p.safe(0));
    assertNull(p.safe(1));
    assertFalse(p.hasSafetyLabels());
  }
}
