package io.dualign.dual;

import java.io.Serializable;

/**
 * {@code DualSums} are the per-prompt terms of the one-shot dual summed over a set of prompts:
 * Σ D_x, Σ ∇D_x, Σ ∇²D_x and the counts. Sums of disjoint prompt sets merge by addition, so a
 * partition's sums travel to the driver and a reduce gives the whole; the driver divides by the
 * number of prompts ({@link #mean()}).
 */
public final class DualSums implements Serializable {
  private static final long serialVersionUID = 1L;

  long prompts;
  long samples;
  double value;
  final double[] gradient;
  final double[][] hessian;

  public DualSums(int m) {
    gradient = new double[m];
    hessian = new double[m][m];
  }

  /** Adds another set of prompts' sums into this one and returns this. */
  public DualSums merge(DualSums o) {
    prompts += o.prompts;
    samples += o.samples;
    value += o.value;
    for (int i = 0; i < gradient.length; i++) {
      gradient[i] += o.gradient[i];
      for (int j = 0; j < gradient.length; j++) {
        hessian[i][j] += o.hessian[i][j];
      }
    }
    return this;
  }

  public long prompts() {
    return prompts;
  }

  public long samples() {
    return samples;
  }

  /**
   * The mean over prompts.
   *
   * @throws IllegalStateException when there are no prompts
   */
  public DualValue mean() {
    if (prompts == 0) {
      throw new IllegalStateException("the dual has no prompts to average over (" + samples
          + " samples)");
    }
    int m = gradient.length;
    double[] g = new double[m];
    double[][] h = new double[m][m];
    for (int i = 0; i < m; i++) {
      g[i] = gradient[i] / prompts;
      for (int j = 0; j < m; j++) {
        h[i][j] = hessian[i][j] / prompts;
      }
    }
    return new DualValue(value / prompts, g, h, prompts, samples);
  }
}
