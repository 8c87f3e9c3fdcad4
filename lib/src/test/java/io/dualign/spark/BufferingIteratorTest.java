package io.dualign.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class BufferingIteratorTest {
  /** Offers one list per fill: each input element doubled. */
  private static final class Chunks extends BufferingIterator<Integer> {
    private final Iterator<List<Integer>> chunks;
    int fills;

    Chunks(List<List<Integer>> chunks) {
      this.chunks = chunks.iterator();
    }

    @Override
    protected void fill() {
      fills++;
      if (chunks.hasNext()) {
        for (int x : chunks.next()) {
          offer(2 * x);
        }
      }
    }
  }

  @Test
  void yieldsEveryChunkInOrderAndFillsOnlyWhenEmpty() {
    Chunks it = new Chunks(List.of(List.of(1, 2), List.of(3), List.of(4, 5, 6)));
    List<Integer> out = new ArrayList<>();
    assertTrue(it.hasNext());
    assertTrue(it.hasNext());
    assertEquals(1, it.fills, "hasNext with a full buffer does not fill");
    while (it.hasNext()) {
      out.add(it.next());
    }
    assertEquals(List.of(2, 4, 6, 8, 10, 12), out);
    assertEquals(4, it.fills, "three chunks and the empty fill that ends it");
    assertFalse(it.buffered());
    assertThrows(NoSuchElementException.class, it::next);
  }

  @Test
  void nextWithoutHasNextFills() {
    Chunks it = new Chunks(List.of(List.of(7), List.of(8)));
    assertEquals(14, it.next());
    assertEquals(16, it.next());
    assertFalse(it.hasNext());
  }

  @Test
  void anEmptyInputYieldsNothing() {
    Chunks it = new Chunks(List.of());
    assertFalse(it.hasNext());
    assertEquals(1, it.fills);
  }
}
