package io.dualign.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A {@code KvCache} holds the attention keys and values of every layer for the tokens decoded so
 * far ({@code [batch, heads, length, headDim]} each), owned by one manager so they outlive the
 * per-step managers that compute them.
 */
public final class KvCache {
  private final NDManager owner;
  private final NDArray[] keys;
  private final NDArray[] values;

  public KvCache(NDManager owner, int layers) {
    this.owner = owner;
    this.keys = new NDArray[layers];
    this.values = new NDArray[layers];
  }

  /** Cached length (0 when empty). */
  public long length() {
    return keys[0] == null ? 0 : keys[0].getShape().get(2);
  }

  NDArray keys(int layer) {
    return keys[layer];
  }

  NDArray values(int layer) {
    return values[layer];
  }

  /** Replaces a layer's entries (the new arrays move to the cache's manager). */
  void put(int layer, NDArray k, NDArray v) {
    if (keys[layer] != null && keys[layer] != k) {
      keys[layer].close();
      values[layer].close();
    }
    k.attach(owner);
    v.attach(owner);
    keys[layer] = k;
    values[layer] = v;
  }
}
