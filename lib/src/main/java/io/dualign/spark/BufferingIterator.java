package io.dualign.spark;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A {@code BufferingIterator} yields the elements its {@link #fill} step produces a chunk at a
 * time: a partition function reads and processes several input rows together (a model batch) and
 * hands out the results one by one. {@code fill} is called only when the buffer is empty; a call
 * that {@link #offer}s nothing ends the iteration.
 */
public abstract class BufferingIterator<T> implements Iterator<T> {
  private final Deque<T> ready = new ArrayDeque<>();

  /** Produces the next chunk with {@link #offer}; offering nothing means the input is exhausted. */
  protected abstract void fill();

  /** Adds an element to the buffer, after those offered before it. */
  protected final void offer(T element) {
    ready.add(element);
  }

  /** Whether the buffer holds elements not yet handed out. */
  protected final boolean buffered() {
    return !ready.isEmpty();
  }

  @Override
  public final boolean hasNext() {
    if (ready.isEmpty()) {
      fill();
    }
    return !ready.isEmpty();
  }

  @Override
  public final T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }
}
