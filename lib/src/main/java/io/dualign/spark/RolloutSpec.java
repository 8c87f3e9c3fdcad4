package io.dualign.spark;

import io.dualign.model.SamplingParams;
import java.io.Serializable;
import java.util.List;

/**
 * A {@code RolloutSpec} is one rollout job: which run and iteration the rows belong to, the
 * policy to sample from, K samples per prompt with the sampling parameters, the run seed the
 * per-row seeds derive from ({@link Seeds#mix}), the generation batch size, the number of
 * partitions (0: keep the input's) and how the samples are scored.
 */
public record RolloutSpec(String runId, int iteration, ModelRef policy, int samplesPerPrompt,
    double temperature, double topP, int topK, int maxNewTokens, long runSeed, int batchSize,
    int partitions, ScoringSpec scoring) implements Serializable {

  public RolloutSpec {
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("run id must not be empty");
    }
    if (samplesPerPrompt < 1) {
      throw new IllegalArgumentException("samples per prompt must be >= 1, was " + samplesPerPrompt);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("generation batch size must be >= 1, was " + batchSize);
    }
    if (partitions < 0) {
      throw new IllegalArgumentException("partitions must be >= 0, was " + partitions);
    }
    new SamplingParams(temperature, topP, topK, maxNewTokens, List.of()); // validates them
  }

  /** The sampling parameters (records of the model package are not serializable: rebuilt here). */
  public SamplingParams sampling() {
    return new SamplingParams(temperature, topP, topK, maxNewTokens, List.of());
  }

  /** The same rollout with another partition count. */
  public RolloutSpec withPartitions(int n) {
    return new RolloutSpec(runId, iteration, policy, samplesPerPrompt, temperature, topP, topK,
        maxNewTokens, runSeed, batchSize, n, scoring);
  }

  /** The same rollout with another scoring spec. */
  public RolloutSpec withScoring(ScoringSpec s) {
    return new RolloutSpec(runId, iteration, policy, samplesPerPrompt, temperature, topP, topK,
        maxNewTokens, runSeed, batchSize, partitions, s);
  }

  /** The same rollout with these models (e.g. as {@link ModelDelivery} delivers them). */
  public RolloutSpec withModels(ModelRef p, ScoringSpec s) {
    return new RolloutSpec(runId, iteration, p, samplesPerPrompt, temperature, topP, topK,
        maxNewTokens, runSeed, batchSize, partitions, s);
  }
}
