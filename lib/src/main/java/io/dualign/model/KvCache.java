package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * A {@code KvCache} holds the attention keys and values of every layer for the tokens decoded so
 * far. Each layer's keys and values live in one array of {@code [batch, heads, capacity,
 * headDim]} allocated on first use and filled in place, so a step copies only its new entries;
 * attention reads the filled prefix as a view. The arrays belong to the owner manager, so they
 * outlive the per-step managers that compute them.
 */
public final class KvCache {
  private final NDManager owner;
  private final int capacity;
  private final NDArray[] keys;
  private final NDArray[] values;
  private long length;

  /** @param capacity the most tokens (prompt + generated) the cache will hold */
  public KvCache(NDManager owner, int layers, int capacity) {
    this.owner = owner;
    this.capacity = capacity;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Cached length (0 when empty). */
  public long length() {
    return length;
  }

  /**
   * Writes a layer's keys and values {@code [batch, heads, t, headDim]} for the {@code t} tokens
   * after the cached ones and returns views of all keys and values so far.
   */
  public NDArray[] append(int layer, NDArray k, NDArray v) {
    Shape s = k.getShape();
    long t = s.get(2);
    if (length + t > capacity) {
      throw new IllegalStateException("KV cache of capacity " + capacity + " cannot take " + t
          + " more tokens after " + length);
    }
    if (keys[layer] == null) {
      Shape full = new Shape(s.get(0), s.get(1), capacity, s.get(3));
      keys[layer] = owner.zeros(full, k.getDataType(), k.getDevice());
      values[layer] = owner.zeros(full, v.getDataType(), v.getDevice());
    }
    // Built, not parsed from a string: this runs for every layer of every decoding step.
    NDIndex fresh = new NDIndex().addAllDim(2).addSliceDim(length, length + t).addAllDim();
    keys[layer].set(fresh, k);
    values[layer].set(fresh, v);
    NDIndex filled = new NDIndex().addAllDim(2).addSliceDim(0, length + t).addAllDim();
    NDArray kv = keys[layer].get(filled);
    NDArray vv = values[layer].get(filled);
    kv.attach(k.getManager());
    vv.attach(k.getManager());
    return new NDArray[] {kv, vv};
  }

  /** Marks {@code t} more tokens as cached (after every layer appended them). */
  public void advance(long t) {
    length += t;
  }
}
