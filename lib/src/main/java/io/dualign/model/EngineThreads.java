package io.dualign.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * {@code EngineThreads} sets how many intra-op threads PyTorch uses in this JVM
 * ({@code runtime.djlThreadsPerTask}). On a shared or oversubscribed machine, more threads than
 * free cores make PyTorch's OpenMP workers spin against each other: measured here under load,
 * one thread ran a 1M-parameter model about 70× faster than the default two.
 */
public final class EngineThreads {
  private EngineThreads() {}

  /** Applies {@code threads} (before or after the engine started); returns the value in force. */
  public static synchronized int apply(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, was " + threads);
    }
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    Engine.getEngine("PyTorch"); // starts the engine if needed (it reads the property once)
    if (JniUtils.getNumThreads() != threads) {
      JniUtils.setNumThreads(threads);
    }
    return JniUtils.getNumThreads();
  }
}
