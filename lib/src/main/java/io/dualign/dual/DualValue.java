package io.dualign.dual;

/**
 * A {@code DualValue} is the one-shot dual at one λ: D(λ) = β·mean_x log E_ref exp((r + λᵀh)/β),
 * its gradient ∇D(λ) = mean_x E_{π_λ}[h] (the predicted slack of the policy π_λ), and its Hessian
 * mean_x Cov_{π_λ}(h) / β, with the number of prompts and samples they are means over.
 */
public record DualValue(double value, double[] gradient, double[][] hessian, long prompts,
    long samples) {
  public DualValue {
    gradient = gradient.clone();
    double[][] h = new double[hessian.length][];
    for (int i = 0; i < h.length; i++) {
      h[i] = hessian[i].clone();
    }
    hessian = h;
  }

  @Override
  public double[] gradient() {
    return gradient.clone();
  }

  @Override
  public double[][] hessian() {
    double[][] h = new double[hessian.length][];
    for (int i = 0; i < h.length; i++) {
      h[i] = hessian[i].clone();
    }
    return h;
  }

  public double gradient(int i) {
    return gradient[i];
  }

  public double hessian(int i, int j) {
    return hessian[i][j];
  }
}
