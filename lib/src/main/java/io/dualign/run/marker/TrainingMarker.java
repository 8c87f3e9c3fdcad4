package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code TrainingMarker} is the marker of {@code sft}, {@code train-reward} or
 * {@code train-cost}: the training and held-out figures of the model it trained, or, for a model
 * given in the config, {@code provided} with the model's URI, format and version (the figures of
 * a kind of model it does not train are absent).
 *
 * <p>Fields a newer dualign adds are kept in {@link #other} and written back.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingMarker(
    @JsonProperty("provided") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean provided,
    @JsonProperty("config_key") @JsonInclude(JsonInclude.Include.NON_NULL) String configKey,
    @JsonProperty("model_uri") @JsonInclude(JsonInclude.Include.NON_NULL) String modelUri,
    @JsonProperty("model_format") @JsonInclude(JsonInclude.Include.NON_NULL) String modelFormat,
    @JsonProperty("trained_in") String trainedIn,
    @JsonProperty("checkpoint") @JsonInclude(JsonInclude.Include.NON_NULL) String checkpoint,
    @JsonProperty(value = "model_version", required = true) String modelVersion,
    @JsonProperty("sft_version") @JsonInclude(JsonInclude.Include.NON_NULL) String sftVersion,
    @JsonProperty("architecture") @JsonInclude(JsonInclude.Include.NON_NULL) Object architecture,
    @JsonProperty("parameters") @JsonInclude(JsonInclude.Include.NON_NULL) Long parameters,
    @JsonProperty("trainable_parameters") @JsonInclude(JsonInclude.Include.NON_NULL) Long trainableParameters,
    @JsonProperty("lora_r") @JsonInclude(JsonInclude.Include.NON_NULL) Integer loraR,
    @JsonProperty("lora_alpha") @JsonInclude(JsonInclude.Include.NON_NULL) Double loraAlpha,
    @JsonProperty("train_pairs") @JsonInclude(JsonInclude.Include.NON_NULL) Long trainPairs,
    @JsonProperty("test_pairs") @JsonInclude(JsonInclude.Include.NON_NULL) Long testPairs,
    @JsonProperty("train_examples") @JsonInclude(JsonInclude.Include.NON_NULL) Long trainExamples,
    @JsonProperty("test_examples") @JsonInclude(JsonInclude.Include.NON_NULL) Long testExamples,
    @JsonProperty("pairs_without_safety_labels") @JsonInclude(JsonInclude.Include.NON_NULL) Long pairsWithoutSafetyLabels,
    @JsonProperty("tokenizer_vocab_size") @JsonInclude(JsonInclude.Include.NON_NULL) Integer tokenizerVocabSize,
    @JsonProperty("tokenizer_merges") @JsonInclude(JsonInclude.Include.NON_NULL) Integer tokenizerMerges,
    @JsonProperty("prompts_encoded") @JsonInclude(JsonInclude.Include.NON_NULL) Long promptsEncoded,
    @JsonProperty("prompts_truncated") @JsonInclude(JsonInclude.Include.NON_NULL) Long promptsTruncated,
    @JsonProperty("responses_encoded") @JsonInclude(JsonInclude.Include.NON_NULL) Long responsesEncoded,
    @JsonProperty("responses_truncated") @JsonInclude(JsonInclude.Include.NON_NULL) Long responsesTruncated,
    @JsonProperty("steps") @JsonInclude(JsonInclude.Include.NON_NULL) Long steps,
    @JsonProperty("final_train_loss") @JsonInclude(JsonInclude.Include.NON_NULL) Double finalTrainLoss,
    @JsonProperty("train_tokens") @JsonInclude(JsonInclude.Include.NON_NULL) Long trainTokens,
    @JsonProperty("train_seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double trainSeconds,
    @JsonProperty("train_tokens_per_second") @JsonInclude(JsonInclude.Include.NON_NULL) Double trainTokensPerSecond,
    @JsonProperty("loss_history") @JsonInclude(JsonInclude.Include.NON_NULL) List<LossWindow> lossHistory,
    @JsonProperty("heldout_loss_before") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutLossBefore,
    @JsonProperty("heldout_loss") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutLoss,
    @JsonProperty("heldout_perplexity") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutPerplexity,
    @JsonProperty("heldout_accuracy") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutAccuracy,
    @JsonProperty("heldout_pairs") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutPairs,
    @JsonProperty("heldout_mean_score_preferred") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutMeanScorePreferred,
    @JsonProperty("heldout_mean_score_other") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutMeanScoreOther,
    @JsonProperty("heldout_accuracy_mixed") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutAccuracyMixed,
    @JsonProperty("heldout_accuracy_same_label") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutAccuracySameLabel,
    @JsonProperty("heldout_pairs_mixed") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutPairsMixed,
    @JsonProperty("heldout_pairs_same_label") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutPairsSameLabel,
    @JsonProperty("heldout_sign_accuracy") @JsonInclude(JsonInclude.Include.NON_NULL) Double heldoutSignAccuracy,
    @JsonProperty("train_accuracy") @JsonInclude(JsonInclude.Include.NON_NULL) Double trainAccuracy,
    @JsonProperty("device") @JsonInclude(JsonInclude.Include.NON_NULL) TaskDevice device,
    @JsonProperty(value = "output", required = true) String output,
    @JsonProperty("started") @JsonInclude(JsonInclude.Include.NON_NULL) String started,
    @JsonProperty(value = "finished", required = true) String finished,
    @JsonProperty("seconds") @JsonInclude(JsonInclude.Include.NON_NULL) Double seconds,
    @JsonProperty("tracking") @JsonInclude(JsonInclude.Include.NON_NULL) Tracking tracking,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> other) implements StageMarker {
  public TrainingMarker {
    other = other == null ? new LinkedHashMap<>() : other;
  }

  /** Whether the model was given in the config rather than trained. */
  public boolean isProvided() {
    return Boolean.TRUE.equals(provided);
  }
}
