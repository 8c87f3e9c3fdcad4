package io.dualign.model;

import io.dualign.text.TextTokenizer;

/**
 * A {@code LoadedModel} is a model loaded for use with its tokenizer and version, whatever its
 * {@link ModelFormat}: a built-in {@link Checkpoint} or a TorchScript bundle. Rollouts, scoring,
 * reference log-probabilities and DPO work on this interface, so a TorchScript policy, reward or
 * cost model goes wherever a built-in one does.
 */
public interface LoadedModel extends AutoCloseable {
  ModelFormat format();

  /** The version the model's files hash to (what output rows record and caches key on). */
  String version();

  /** The model's tokenizer: EOS and PAD ids, prompt and response encoding. */
  TextTokenizer tokenizer();

  /**
   * The model as a causal language model.
   *
   * @throws IllegalStateException when it is a score model
   */
  CausalLm causalLm();

  /**
   * The model as a score (reward or cost) model.
   *
   * @throws IllegalStateException when it is a causal language model
   */
  ScoreModel scoreModel();

  @Override
  void close();
}
