package io.dualign.config;

import com.typesafe.config.Config;

/** {@code ReportSettings} are the settings of the {@code report} section. */
public record ReportSettings(int samplePrompts) {
  static ReportSettings from(Config c) {
    return new ReportSettings(c.getInt("report.samplePrompts"));
  }
}
