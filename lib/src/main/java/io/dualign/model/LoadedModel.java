package io.dualign.model;

import io.dualign.text.JinjaChatTemplate;
import io.dualign.text.TextTokenizer;
import java.util.Optional;

/**
 * A {@code LoadedModel} is a model loaded for use with its tokenizer and version, whatever its
 * {@link ModelFormat}: a built-in {@link Checkpoint}, a TorchScript bundle or a Hugging Face
 * folder. Rollouts, scoring,
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

  /**
   * Bytes the model's weights take as loaded ({@link MemoryPlan#parameterBytes}): what the
   * executor model cache counts against {@code runtime.modelCacheBytes}.
   */
  long weightBytes();

  /** The model's own chat template (a Hugging Face {@code chat_template}), if it has one. */
  default Optional<JinjaChatTemplate> chatTemplate() {
    return Optional.empty();
  }

  @Override
  void close();
}
