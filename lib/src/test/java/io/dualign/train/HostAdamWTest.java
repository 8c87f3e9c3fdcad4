package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HostAdamWTest {
  /**
   * Two steps of three elements against AdamW written out in double precision: decoupled decay,
   * moments of the scaled gradient, bias-corrected step size, epsilon added to sqrt(v); the third
   * element's first gradient is 0, so its first step is the decay alone.
   */
  @Test
  void stepsFollowTheAdamWFormula() {
    float[] w = {0.5f, -1.0f, 2.0f};
    float[][] grads = {{0.2f, -0.4f, 0f}, {-0.1f, 0.3f, 1e-3f}};
    float[] m = new float[3];
    float[] v = new float[3];
    double[] ew = {0.5, -1.0, 2.0};
    double[] em = new double[3];
    double[] ev = new double[3];
    float lr = 0.01f;
    float wd = 0.1f;
    float scale = 0.5f;
    for (int t = 1; t <= 2; t++) {
      float[] g = grads[t - 1].clone();
      float lrBias = (float) (lr * Math.sqrt(1 - Math.pow(HostAdamW.BETA2, t))
          / (1 - Math.pow(HostAdamW.BETA1, t)));
      HostAdamW.step(w, g, m, v, 3, lr, lrBias, wd, scale);
      for (int i = 0; i < 3; i++) {
        double gi = grads[t - 1][i] * (double) scale;
        em[i] = 0.9 * em[i] + 0.1 * gi;
        ev[i] = 0.999 * ev[i] + 0.001 * gi * gi;
        ew[i] = ew[i] - ew[i] * lr * wd;
        double stepSize = lr * Math.sqrt(1 - Math.pow(0.999, t)) / (1 - Math.pow(0.9, t));
        ew[i] -= stepSize * em[i] / (Math.sqrt(ev[i]) + 1e-8);
        assertEquals(em[i], m[i], 1e-7, "m[" + i + "] at step " + t);
        assertEquals(ev[i], v[i], 1e-9, "v[" + i + "] at step " + t);
        assertEquals(ew[i], w[i], 1e-6, "w[" + i + "] at step " + t);
      }
    }
  }
}
