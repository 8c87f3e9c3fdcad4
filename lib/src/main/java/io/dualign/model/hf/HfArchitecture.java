package io.dualign.model.hf;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An {@code HfArchitecture} is a Hugging Face {@code architectures} value dualign runs natively:
 * a Llama-family decoder (Llama, Mistral, Qwen2) with a language-model head or a scalar score
 * head, and the name of that head's weights in the checkpoint.
 */
public enum HfArchitecture {
  LLAMA_FOR_CAUSAL_LM("LlamaForCausalLM", Family.LLAMA, Head.LANGUAGE_MODEL),
  MISTRAL_FOR_CAUSAL_LM("MistralForCausalLM", Family.MISTRAL, Head.LANGUAGE_MODEL),
  QWEN2_FOR_CAUSAL_LM("Qwen2ForCausalLM", Family.QWEN2, Head.LANGUAGE_MODEL),
  /** transformers' sequence classifier with one label: {@code score} at the last real token. */
  LLAMA_FOR_SEQUENCE_CLASSIFICATION("LlamaForSequenceClassification", Family.LLAMA,
      Head.SEQUENCE_CLASSIFICATION),
  QWEN2_FOR_SEQUENCE_CLASSIFICATION("Qwen2ForSequenceClassification", Family.QWEN2,
      Head.SEQUENCE_CLASSIFICATION),
  /** safe-rlhf's score model (beaver-7b reward and cost): {@code score_head}, the end score. */
  LLAMA_FOR_SCORE("LlamaForScore", Family.LLAMA, Head.SAFE_RLHF_SCORE);

  /** The decoder family: what sets the attention biases and the sliding window. */
  public enum Family {
    LLAMA, MISTRAL, QWEN2
  }

  /** What sits on the decoder's last hidden states. */
  public enum Head {
    /** {@code lm_head} (or the tied embedding): next-token logits. */
    LANGUAGE_MODEL("lm_head"),
    /** {@code score}: one logit per position, no bias; read at the last real token. */
    SEQUENCE_CLASSIFICATION("score"),
    /** {@code score_head}, optionally biased and followed by safe-rlhf's normaliser. */
    SAFE_RLHF_SCORE("score_head");

    private final String prefix;

    Head(String prefix) {
      this.prefix = prefix;
    }

    /** The checkpoint name of the head's module. */
    public String prefix() {
      return prefix;
    }
  }

  private final String hfName;
  private final Family family;
  private final Head head;

  HfArchitecture(String hfName, Family family, Head head) {
    this.hfName = hfName;
    this.family = family;
    this.head = head;
  }

  /** The name in {@code config.json}'s {@code architectures}. */
  public String hfName() {
    return hfName;
  }

  public Family family() {
    return family;
  }

  public Head head() {
    return head;
  }

  public boolean isCausalLm() {
    return head == Head.LANGUAGE_MODEL;
  }

  /** The architecture of an {@code architectures} name, if dualign supports it. */
  public static Optional<HfArchitecture> of(String hfName) {
    return Arrays.stream(values()).filter(a -> a.hfName.equals(hfName)).findFirst();
  }

  /** Every supported name, for messages. */
  public static List<String> supported() {
    return Arrays.stream(values()).map(HfArchitecture::hfName).toList();
  }
}
