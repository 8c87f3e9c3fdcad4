package io.dualign.config;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.List;

/**
 * {@code AlignSettings} are the settings of the {@code align} section: which methods the pipeline
 * runs (by name, checked at load against the names the declaration of {@code align.methods}
 * allows), the iterations T, the rollout size M × K, and the DPO epoch's batch size, learning
 * rate and pair budget, and whether the score stage scores every prepared pair or only those the
 * DPO epochs read ({@code scoreAllPairs}).
 */
public record AlignSettings(List<String> methods, int iterations, int rolloutPrompts,
    int rolloutSamples, int batchSize, double learningRate,
    long maxPairs, boolean scoreAllPairs) implements Serializable {
  public AlignSettings {
    methods = List.copyOf(methods);
    if (methods.isEmpty() || methods.stream().distinct().count() != methods.size()) {
      throw new ConfigError("align.methods must list each method at most once and at least one, "
          + "was " + methods);
    }
  }

  static AlignSettings from(Config c) {
    return new AlignSettings(c.getStringList("align.methods"), c.getInt("align.iterations"),
        c.getInt("align.rolloutPrompts"), c.getInt("align.rolloutSamples"),
        c.getInt("align.batchSize"),
        c.getDouble("align.learningRate"), c.getLong("align.maxPairs"),
        c.getBoolean("align.scoreAllPairs"));
  }
}
