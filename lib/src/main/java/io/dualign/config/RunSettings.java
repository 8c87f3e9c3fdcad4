package io.dualign.config;

import com.typesafe.config.Config;

/** {@code RunSettings} are the settings of the {@code run} section: what identifies a run. */
public record RunSettings(long seed) {
  static RunSettings from(Config c) {
    return new RunSettings(c.getLong("run.seed"));
  }
}
