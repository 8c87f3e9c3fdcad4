package io.dualign.model.hf;

/**
 * A {@code RopeScaling} is how a checkpoint stretches its rotary position embedding, as
 * transformers' {@code rope_scaling} (or {@code rope_parameters}) says: none ({@code default}),
 * {@code linear} (positions divided by {@code factor}) or {@code llama3} (Llama 3.1's
 * frequency-dependent scaling). {@link #inverseFrequencies} is the pure function transformers'
 * {@code ROPE_INIT_FUNCTIONS} compute; every type here has an attention factor of 1.
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
    int originalMaxPositions) {

  /** The supported {@code rope_type} values. */
  public enum Type {
    DEFAULT, LINEAR, LLAMA3
  }

  public static final RopeScaling NONE = new RopeScaling(Type.DEFAULT, 1, 0, 0, 0);

  public RopeScaling {
    if (type != Type.DEFAULT && !(factor > 0)) {
      throw new IllegalArgumentException("rope_scaling factor must be > 0, was " + factor);
    }
    if (type == Type.LLAMA3 && !(highFreqFactor > lowFreqFactor && originalMaxPositions > 0)) {
      throw new IllegalArgumentException("llama3 rope_scaling needs high_freq_factor > "
          + "low_freq_factor and original_max_position_embeddings > 0, was " + highFreqFactor
          + ", " + lowFreqFactor + ", " + originalMaxPositions);
    }
  }

  public static RopeScaling linear(double factor) {
    return new RopeScaling(Type.LINEAR, factor, 0, 0, 0);
  }

  public static RopeScaling llama3(double factor, double low, double high, int originalMax) {
    return new RopeScaling(Type.LLAMA3, factor, low, high, originalMax);
  }

  /**
   * The {@code headDim / 2} inverse frequencies of the rotary embedding, in float32 as
   * transformers computes them: {@code 1 / theta^(2i / headDim)}, then scaled by this type.
   */
  public float[] inverseFrequencies(double theta, int headDim) {
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("rotary head dimension must be even, was " + headDim);
    }
    float[] inv = new float[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      float exponent = (float) (2 * i) / headDim;
      inv[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
    }
    switch (type) {
      case DEFAULT -> { }
      case LINEAR -> {
        for (int i = 0; i < inv.length; i++) {
          inv[i] = (float) (inv[i] / factor);
        }
      }
      case LLAMA3 -> {
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        for (int i = 0; i < inv.length; i++) {
          double f = inv[i];
          double wavelen = 2 * Math.PI / f;
          if (wavelen > lowWavelen) {
            inv[i] = (float) (f / factor); // low frequencies: scaled
          } else if (wavelen >= highWavelen) { // medium: between scaled and kept
            double smooth = (originalMaxPositions / wavelen - lowFreqFactor)
                / (highFreqFactor - lowFreqFactor);
            inv[i] = (float) ((1 - smooth) * f / factor + smooth * f);
          } // high frequencies: kept
        }
      }
      default -> throw new IllegalStateException(type.name());
    }
    return inv;
  }
}
