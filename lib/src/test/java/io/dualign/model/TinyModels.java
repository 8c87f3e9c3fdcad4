package io.dualign.model;

import ai.djl.Device;

/** Tiny architectures for tests. */
final class TinyModels {
  private TinyModels() {}

  static ModelArchitecture lm() {
    return lm(4);
  }

  /** The tiny policy with {@code kvHeads} key/value heads for its 4 query heads. */
  static ModelArchitecture lm(int kvHeads) {
    return new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL, 64, 48, 32, 2, 4, 64,
        kvHeads);
  }

  static BuiltInTransformer newLm(long seed) {
    return BuiltInTransformer.create(lm(), seed, Device.cpu());
  }
}
