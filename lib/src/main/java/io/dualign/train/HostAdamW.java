package io.dualign.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code HostAdamW} takes the AdamW step of DJL's {@code ai.djl.training.optimizer.AdamW} on the
 * PyTorch engine (decoupled weight decay; betas 0.9 and 0.999, epsilon 1e-8; the bias correction
 * folded into the step size) for parameters held in CPU memory, in one pass per parameter on the
 * JVM instead of the engine's dozen tensor operations, each a full pass over memory. Weights and
 * gradients are read and written in place through direct buffers that alias the tensors, a chunk
 * at a time (the chunk stays in the core's cache); the moment estimates live on the heap. The same
 * pass scales the gradient (global-norm clipping) and zeroes it for the next step. With learning
 * rate {@code lr} at step {@code t}, {@code lrBias = lr·sqrt(1 − β2^t) / (1 − β1^t)}, per element:
 *
 * <pre>
 *   w ← w − (w·lr)·wd;   g ← g·scale;   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²;
 *   w ← w − (m·lrBias) / (√v + ε);   g ← 0
 * </pre>
 */
final class HostAdamW {
  static final float BETA1 = 0.9f;
  static final float BETA2 = 0.999f;
  static final float EPSILON = 1e-8f;
  private static final int CHUNK = 4096;
  private static final float[] ZEROS = new float[CHUNK];

  private final float weightDecay;
  private final Map<String, float[][]> moments = new HashMap<>();
  private final float[] w = new float[CHUNK];
  private final float[] g = new float[CHUNK];

  HostAdamW(float weightDecay) {
    this.weightDecay = weightDecay;
  }

  /**
   * Whether every parameter can be updated on the host: float32 on the CPU, its weights visible
   * as a direct buffer over the tensor's own memory.
   */
  static boolean supports(List<Parameter> params) {
    for (Parameter p : params) {
      NDArray a = p.getArray();
      if (!ai.djl.Device.Type.CPU.equals(a.getDevice().getDeviceType()) || a.getDataType() != DataType.FLOAT32) {
        return false;
      }
      java.nio.ByteBuffer b = a.toByteBuffer(true);
      if (!b.isDirect() || b.capacity() != a.size() * 4) {
        return false;
      }
    }
    return true;
  }

  /**
   * One step of parameter {@code p} (its {@code t}-th, counting from 1) with learning rate
   * {@code lr} and its gradient scaled by {@code scale}; the gradient is zero afterwards.
   */
  void update(Parameter p, int t, float lr, float scale) {
    NDArray weight = p.getArray();
    int n = Math.toIntExact(weight.size());
    float[][] mv = moments.computeIfAbsent(p.getId(), id -> new float[][] {new float[n],
        new float[n]});
    double coef1 = 1.0 - Math.pow(BETA1, t);
    double coef2 = 1.0 - Math.pow(BETA2, t);
    float lrBias = (float) (lr * Math.sqrt(coef2) / coef1);
    FloatBuffer wb = weight.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    try (NDArray gradient = weight.getGradient()) {
      FloatBuffer gb = gradient.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
      if (!gb.isDirect() || gb.capacity() != n || wb.capacity() != n) {
        throw new IllegalStateException("parameter " + p.getName() + " is not a dense CPU tensor");
      }
      for (int from = 0; from < n; from += CHUNK) {
        int len = Math.min(CHUNK, n - from);
        wb.get(from, w, 0, len);
        gb.get(from, g, 0, len);
        step(w, g, mv[0], mv[1], from, len, lr, lrBias, weightDecay, scale);
        wb.put(from, w, 0, len);
        gb.put(from, ZEROS, 0, len);
      }
    }
  }

  /**
   * The update of elements {@code [from, from + len)} of a parameter: {@code w} and {@code g}
   * hold them from index 0, {@code m} and {@code v} at their own indices.
   */
  static void step(float[] w, float[] g, float[] m, float[] v, int from, int len, float lr,
      float lrBias, float weightDecay, float scale) {
    float b1 = BETA1;
    float b2 = BETA2;
    float c1 = 1 - BETA1;
    float c2 = 1 - BETA2;
    for (int i = 0; i < len; i++) {
      float gi = g[i] * scale;
      float mi = m[from + i] * b1 + c1 * gi;
      float vi = v[from + i] * b2 + c2 * gi * gi;
      m[from + i] = mi;
      v[from + i] = vi;
      float wi = w[i] - w[i] * lr * weightDecay;
      w[i] = wi - mi * lrBias / ((float) Math.sqrt(vi) + EPSILON);
    }
  }
}
