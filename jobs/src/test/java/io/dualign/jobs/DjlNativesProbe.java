package io.dualign.jobs;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.LibUtils;

/**
 * {@code DjlNativesProbe} is a tiny program run in its own JVM by {@link DjlNativesLayoutTest}: it
 * starts DJL's PyTorch engine, computes a sum, and prints where libtorch was loaded from.
 */
final class DjlNativesProbe {
  private DjlNativesProbe() {}

  public static void main(String[] args) {
    Engine engine = Engine.getEngine("PyTorch");
    try (NDManager m = engine.newBaseManager()) {
      float sum = m.arange(5f).sum().getFloat();
      System.out.println("libtorch=" + LibUtils.getLibtorchPath());
      System.out.println("version=" + engine.getVersion());
      System.out.println("sum=" + sum);
    }
  }
}
