package io.dualign.config;

import com.typesafe.config.Config;
import java.io.Serializable;

/**
 * {@code DataSettings} are the settings of the {@code data} section: the input of the
 * {@code prepare} stage, the synthetic generator's knobs, the per-row validation limits and the
 * prompt-disjoint split.
 */
public record DataSettings(
    String input, String format, int syntheticPairs, double benignFraction, double labelNoise,
    double safetyLabelNoise, double testFraction, double maxBadFraction, boolean checkSha256,
    boolean rejectEmptyResponses, int maxPromptChars, int maxResponseChars, int maxLineBytes) implements Serializable {

  /** The value of {@code data.input} that selects the embedded synthetic generator. */
  public static final String SYNTHETIC = "synthetic";

  static DataSettings from(Config c) {
    return new DataSettings(c.getString("data.input"), c.getString("data.format"),
        c.getInt("data.syntheticPairs"), c.getDouble("data.benignFraction"),
        c.getDouble("data.labelNoise"), c.getDouble("data.safetyLabelNoise"),
        c.getDouble("data.testFraction"), c.getDouble("data.maxBadFraction"),
        c.getBoolean("data.checkSha256"), c.getBoolean("data.rejectEmptyResponses"),
        c.getInt("data.maxPromptChars"),
        c.getInt("data.maxResponseChars"), c.getInt("data.maxLineBytes"));
  }

  /** Whether the input is the embedded synthetic generator. */
  public boolean synthetic() {
    return SYNTHETIC.equals(input);
  }

  /** The same settings with another input (the {@code prepare --input} option). */
  public DataSettings withInput(String newInput) {
    return new DataSettings(newInput, format, syntheticPairs, benignFraction, labelNoise,
        safetyLabelNoise, testFraction, maxBadFraction, checkSha256, rejectEmptyResponses, maxPromptChars,
        maxResponseChars, maxLineBytes);
  }
}
