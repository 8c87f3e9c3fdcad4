package io.dualign.model.torchscript;

import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * A {@code BundleBackedModel} is what both TorchScript model kinds share: the module loaded from a
 * checked bundle, the bundle's tokenizer, the parameters DJL trains and the engine memory they
 * live in.
 */
abstract class BundleBackedModel implements AutoCloseable {
  final TorchScriptModule module;

  BundleBackedModel(TorchScriptModule module) {
    this.module = module;
  }

  /** The checked bundle this model came from. */
  public TorchScriptBundle bundle() {
    return module.bundle();
  }

  /** The bundle's tokenizer (EOS/PAD ids included). */
  public BundleTokenizer tokenizer() {
    return module.tokenizer();
  }

  /** The engine memory the model's parameters live in. */
  public NDManager manager() {
    return module.model().getNDManager();
  }

  /** The parameters a trainer updates (empty unless loaded trainable). */
  public List<ai.djl.nn.Parameter> trainableParameters() {
    return module.trainableParameters();
  }

  /**
   * Bytes the module's parameters take ({@link io.dualign.model.MemoryPlan#parameterBytes}), or
   * the size of its model file when the module lists no parameters.
   */
  public long weightBytes() {
    long n = io.dualign.model.MemoryPlan.parameterBytes(module.parameters());
    if (n > 0) {
      return n;
    }
    try {
      return java.nio.file.Files.size(bundle().modelPath());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the size of " + bundle().modelPath(), e);
    }
  }

  /** Longest input the bundle accepts ({@code max_length} of its manifest). */
  public int contextLength() {
    return bundle().manifest().maxLength();
  }

  /** Refuses to train a module loaded for inference, naming its file. */
  void requireTrainable() {
    if (!module.trainable()) {
      throw new IllegalStateException("TorchScript model " + bundle().modelPath()
          + " was loaded for inference; load it with trainable=true to train");
    }
  }

  @Override
  public void close() {
    module.close();
  }
}
