package io.dualign.dual;

/**
 * A {@code PromptDualAccumulator} streams the samples of one prompt and yields that prompt's terms
 * of the one-shot dual at a fixed λ: D_x = β·log E_ref exp((r + λᵀh)/β), ∇D_x = E_{π_λ}[h] and
 * ∇²D_x = Cov_{π_λ}(h)/β, where E_ref weighs sample k by its weight p_k (1 for samples drawn from
 * π_ref, π_ref(y|x) for an enumerated candidate set) and π_λ by p_k·exp((r_k + λᵀg_k)/β).
 *
 * <p>Numerics: a streaming log-sum-exp (the running maximum of the exponents rescales the sums
 * when it grows), so no raw exponential of a score is ever taken; the moments of g are taken about
 * the prompt's first sample (a pivot) so the covariance does not cancel catastrophically.
 * Since h differs from g by a per-prompt constant, D_x = β·log E_ref exp((r + λᵀg)/β) − λᵀs with
 * s = ḡ + b (relative) or c (absolute), and the weights, hence the covariance, use g directly.
 */
public final class PromptDualAccumulator {
  private final DualProblem problem;
  private final double[] lambda;
  private final int m;
  private final String promptId;

  private long samples;
  private double maxExponent = Double.NEGATIVE_INFINITY;
  private double sum; // Σ p·exp(s − max)
  private final double[] first; // Σ p·exp(s − max)·(g − pivot)
  private final double[][] second; // Σ p·exp(s − max)·(g − pivot)(g − pivot)ᵀ
  private double weightSum; // Σ p
  private final double[] referenceSum; // Σ p·(g − pivot)
  private double[] pivot;

  public PromptDualAccumulator(DualProblem problem, double[] lambda, String promptId) {
    this.problem = problem;
    this.lambda = lambda;
    this.m = problem.size();
    this.promptId = promptId;
    if (lambda.length != m) {
      throw new IllegalArgumentException("λ has " + lambda.length + " components, the problem "
          + m + " constraints");
    }
    first = new double[m];
    second = new double[m][m];
    referenceSum = new double[m];
  }

  public String promptId() {
    return promptId;
  }

  /**
   * Adds one sample: its reward r, utilities g (one per constraint) and weight p ≥ 0.
   *
   * @throws IllegalArgumentException on a non-finite score or a negative/non-finite weight,
   *     naming the prompt (callers filter such rows and count them first)
   */
  public void add(double reward, double[] utility, double weight) {
    if (!Double.isFinite(reward) || !(weight >= 0) || !Double.isFinite(weight)) {
      throw new IllegalArgumentException("prompt " + promptId + ": reward " + reward
          + " and weight " + weight + " must be finite (weight >= 0)");
    }
    double lg = 0.0;
    for (int i = 0; i < m; i++) {
      if (!Double.isFinite(utility[i])) {
        throw new IllegalArgumentException("prompt " + promptId + ": utility of "
            + problem.name(i) + " is " + utility[i]);
      }
      lg += lambda[i] * utility[i];
    }
    samples++;
    if (weight == 0.0) {
      return;
    }
    if (pivot == null) {
      pivot = utility.clone();
    }
    double s = (reward + lg) / problem.beta() + Math.log(weight);
    if (s > maxExponent) {
      double f = Math.exp(maxExponent - s); // 0 on the first sample
      sum *= f;
      for (int i = 0; i < m; i++) {
        first[i] *= f;
        for (int j = 0; j < m; j++) {
          second[i][j] *= f;
        }
      }
      maxExponent = s;
    }
    double e = Math.exp(s - maxExponent);
    sum += e;
    weightSum += weight;
    for (int i = 0; i < m; i++) {
      double di = utility[i] - pivot[i];
      first[i] += e * di;
      referenceSum[i] += weight * di;
      for (int j = 0; j <= i; j++) {
        second[i][j] += e * di * (utility[j] - pivot[j]);
      }
    }
  }

  public long samples() {
    return samples;
  }

  /**
   * Adds this prompt's terms to {@code sums}; a prompt whose weights are all 0 adds its samples
   * but no terms.
   */
  public void addTo(DualSums sums) {
    sums.samples += samples;
    if (weightSum <= 0) {
      return;
    }
    double beta = problem.beta();
    double logMeanExp = maxExponent + Math.log(sum) - Math.log(weightSum);
    double value = beta * logMeanExp;
    double[] mean = new double[m];
    for (int i = 0; i < m; i++) {
      mean[i] = first[i] / sum; // E_π_λ[g] − pivot
      double refMean = referenceSum[i] / weightSum; // ḡ − pivot
      double shift = problem.relative(i) ? pivot[i] + refMean + problem.threshold(i)
          : problem.threshold(i);
      value -= lambda[i] * shift;
      double grad = problem.relative(i) ? mean[i] - refMean - problem.threshold(i)
          : pivot[i] + mean[i] - problem.threshold(i);
      sums.gradient[i] += grad;
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j <= i; j++) {
        double cov = (second[i][j] / sum - mean[i] * mean[j]) / beta;
        sums.hessian[i][j] += cov;
        if (j != i) {
          sums.hessian[j][i] += cov;
        }
      }
    }
    sums.value += value;
    sums.prompts++;
  }
}
