package io.dualign.model.hf;

import java.util.Locale;

/**
 * A {@code ScoreNormalizer} is safe-rlhf's normalisation of a score model's end score, applied
 * when its config sets {@code do_normalize}: with the running {@code mean} and {@code var} the
 * checkpoint stores ({@code normalizer.mean}, {@code normalizer.var}), {@code affine} gives
 * {@code (s - mean) / (sqrt(var) + 1e-8)}, {@code scale} {@code s / (sqrt(var) + 1e-8)},
 * {@code translate} {@code s - mean} and {@code identity} {@code s}
 * ({@code safe_rlhf/models/normalizer.py}).
 */
public enum ScoreNormalizer {
  IDENTITY, AFFINE, SCALE, TRANSLATE;

  /** safe-rlhf's epsilon on the standard deviation. */
  public static final double EPSILON = 1e-8;

  static ScoreNormalizer parseFunction(String name, String file) {
    try {
      return valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new HfModelException(file + ": normalize_function = " + name + " is not one of "
          + "affine, scale, translate, identity");
    }
  }

  /** Whether the checkpoint must hold the normaliser's mean and variance. */
  public boolean needsStatistics() {
    return this != IDENTITY;
  }

  /** The normalised score. */
  public double apply(double score, double mean, double var) {
    double std = Math.sqrt(var);
    return switch (this) {
      case IDENTITY -> score;
      case AFFINE -> (score - mean) / (std + EPSILON);
      case SCALE -> score / (std + EPSILON);
      case TRANSLATE -> score - mean;
    };
  }
}
