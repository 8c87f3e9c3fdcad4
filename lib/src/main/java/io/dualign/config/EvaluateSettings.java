package io.dualign.config;

import com.typesafe.config.Config;

/** {@code EvaluateSettings} are the settings of the {@code evaluate} section. */
public record EvaluateSettings(int samplesPerPrompt, String extraPrompts, long maxPrompts,
    int bootstrapSamples) {
  static EvaluateSettings from(Config c) {
    return new EvaluateSettings(c.getInt("evaluate.samplesPerPrompt"),
        c.getString("evaluate.extraPrompts"), c.getLong("evaluate.maxPrompts"),
        c.getInt("evaluate.bootstrapSamples"));
  }
}
