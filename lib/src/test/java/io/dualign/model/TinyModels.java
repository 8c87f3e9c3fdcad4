package io.dualign.model;

import ai.djl.Device;

/** Tiny architectures for tests. */
final class TinyModels {
  private TinyModels() {}

  static ModelArchitecture lm() {
    return new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL, 64, 48, 32, 2, 4, 64);
  }

  static BuiltInTransformer newLm(long seed) {
    return BuiltInTransformer.create(lm(), seed, Device.cpu());
  }
}
