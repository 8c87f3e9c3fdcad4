package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenBatchTest {
  @Test
  void promptsAndResponsesPadOnEitherSideWithResponseTargets() {
    TokenBatch r = TokenBatch.of(List.of(new long[] {5, 6}, new long[] {8}),
        List.of(new long[] {7}, new long[] {9}), 0, TokenBatch.Padding.RIGHT);
    assertEquals(2, r.rows());
    assertEquals(3, r.cols());
    assertArrayEquals(new long[] {5, 6, 7, 8, 9, 0}, r.ids());
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 0}, r.mask());
    assertArrayEquals(new int[] {0, 0, 1, 0, 1, 0}, r.target());
    TokenBatch l = TokenBatch.of(List.of(new long[] {8}), List.of(new long[] {9}), 3,
        TokenBatch.Padding.LEFT, 4);
    assertArrayEquals(new long[] {3, 3, 8, 9}, l.ids());
    assertArrayEquals(new int[] {0, 0, 0, 1}, l.target());
    assertEquals(2, l.tokens());
    assertEquals(1, l.targetTokens());
  }

  @Test
  void sequencesPadBothSidesAndEveryRealTokenIsATarget() {
    TokenBatch r = TokenBatch.ofSequences(List.of(new long[] {5, 6, 7}, new long[] {8}), 0,
        TokenBatch.Padding.RIGHT, 0);
    assertArrayEquals(new long[] {8, 0, 0}, r.idsRow(1));
    assertArrayEquals(new int[] {1, 0, 0}, r.maskRow(1));
    assertArrayEquals(r.mask(), r.target());
    TokenBatch l = TokenBatch.ofSequences(List.of(new long[] {5, 6, 7}, new long[] {8}), 0,
        TokenBatch.Padding.LEFT, 4);
    assertArrayEquals(new long[] {0, 0, 0, 8}, l.idsRow(1));
    assertArrayEquals(new int[] {0, 1, 1, 1}, l.maskRow(0));
    assertEquals(3, l.rowTokens(0));
    assertEquals(1, l.rowTokens(1));
  }

  @Test
  void matricesAreCheckedAndPadRightExtends() {
    TokenBatch m = TokenBatch.ofMatrix(new long[][] {{4, 5}, {6, 0}}, new long[][] {{1, 1}, {1, 0}});
    TokenBatch p = m.padRightTo(4, 9);
    assertEquals(4, p.cols());
    assertArrayEquals(new long[] {4, 5, 9, 9, 6, 0, 9, 9}, p.ids());
    assertArrayEquals(new int[] {1, 1, 0, 0, 1, 0, 0, 0}, p.mask());
    assertArrayEquals(new int[] {1, 1, 0, 0, 1, 0, 0, 0}, p.target());
    assertTrue(m.padRightTo(2, 9) == m);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> m.padRightTo(1, 0));
    assertTrue(e.getMessage().contains("length 2 down to 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TokenBatch.ofMatrix(new long[][] {{1, 2}}, new long[][] {{1, 2}}));
    assertTrue(e.getMessage().contains("holds 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> TokenBatch.ofMatrix(new long[][] {{1, 2}, {3}}, new long[][] {{1, 1}, {1}}));
    assertTrue(e.getMessage().contains("row 1 has 1 ids"), e.getMessage());
  }
}
