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
    boolean rejectEmptyResponses, int maxPromptChars, int maxResponseChars, int maxLineBytes,
    String split) implements Serializable {

  /** The value of {@code data.split} that splits prompts by a seeded hash of their id. */
  public static final String HASH_SPLIT = "hash";
  /** The value of {@code data.split} that keeps the split the input names, where it names one. */
  public static final String GIVEN_SPLIT = "given";

  /** The value of {@code data.input} that selects the embedded synthetic generator. */
  public static final String SYNTHETIC = "synthetic";

  static DataSettings from(Config c) {
    return new DataSettings(c.getString("data.input"), c.getString("data.format"),
        c.getInt("data.syntheticPairs"), c.getDouble("data.benignFraction"),
        c.getDouble("data.labelNoise"), c.getDouble("data.safetyLabelNoise"),
        c.getDouble("data.testFraction"), c.getDouble("data.maxBadFraction"),
        c.getBoolean("data.checkSha256"), c.getBoolean("data.rejectEmptyResponses"),
        c.getInt("data.maxPromptChars"),
        c.getInt("data.maxResponseChars"), c.getInt("data.maxLineBytes"),
        c.getString("data.split"));
  }

  /** Whether rows keep the split their input names ({@code data.split = given}). */
  public boolean givenSplit() {
    return GIVEN_SPLIT.equals(split);
  }

  /** Whether the input is the embedded synthetic generator. */
  public boolean synthetic() {
    return SYNTHETIC.equals(input);
  }

  /** The same settings with another {@code data.split}. */
  public DataSettings withSplit(String newSplit) {
    return new DataSettings(input, format, syntheticPairs, benignFraction, labelNoise,
        safetyLabelNoise, testFraction, maxBadFraction, checkSha256, rejectEmptyResponses,
        maxPromptChars, maxResponseChars, maxLineBytes, newSplit);
  }

  /** The same settings with another input (the {@code prepare --input} option). */
  public DataSettings withInput(String newInput) {
    return new DataSettings(newInput, format, syntheticPairs, benignFraction, labelNoise,
        safetyLabelNoise, testFraction, maxBadFraction, checkSha256, rejectEmptyResponses, maxPromptChars,
        maxResponseChars, maxLineBytes, split);
  }
}
