package io.dualign.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
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
 * gradients are copied in bulk from and back into the tensors' own memory (direct buffers that
 * alias them); the moment estimates live on the heap. The same
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

  private final float weightDecay;
  private final Map<String, float[][]> moments = new HashMap<>();
  // Heap copies of one parameter's weights and gradient: one index for all four arrays lets the
  // JIT vectorise the update loop.
  private float[] w = new float[0];
  private float[] g = new float[0];

  HostAdamW(float weightDecay) {
    this.weightDecay = weightDecay;
  }

  /**
   * Whether every array the optimizer updates (a float32 parameter, or the float32 master copy
   * of a float16 one) can be updated on the host: float32 on the CPU, its weights visible
   * as a direct buffer over the tensor's own memory ({@link #aliases}), and its state — two
   * moments plus the copies of the largest parameter, 4 bytes per element each — within a
   * quarter of {@code heapBytes} (a model too large for the heap keeps DJL's AdamW on the
   * engine, whose moments live in native memory).
   */
  static boolean supports(List<NDArray> weights, long heapBytes) {
    long elements = 0;
    long largest = 0;
    for (NDArray a : weights) {
      if (!ai.djl.Device.Type.CPU.equals(a.getDevice().getDeviceType())
          || a.getDataType() != DataType.FLOAT32 || !aliases(a)) {
        return false;
      }
      elements += a.size();
      largest = Math.max(largest, a.size());
    }
    return stateBytes(elements, largest) <= heapBytes / 4;
  }

  /** Heap bytes of the update's state: moments of every element, copies of the largest. */
  static long stateBytes(long elements, long largestParameter) {
    return 4L * (2 * elements + 2 * largestParameter);
  }

  /**
   * Whether {@code a.toByteBuffer(true)} is a view of the tensor's own memory: DJL hands out a
   * copy when the tensor is not contiguous, and writes to a copy would be lost. Checked by
   * writing a probe value through the buffer and reading it back through the engine.
   */
  static boolean aliases(NDArray a) {
    ByteBuffer b = a.toByteBuffer(true).order(ByteOrder.nativeOrder());
    if (!b.isDirect() || b.capacity() != a.size() * 4 || a.size() == 0) {
      return false;
    }
    float old = b.getFloat(0);
    float probe = old == 1f ? 2f : 1f;
    b.putFloat(0, probe);
    float seen;
    try (NDArray flat = a.reshape(-1); NDArray first = flat.get(0)) {
      seen = first.getFloat();
    } finally {
      b.putFloat(0, old);
    }
    return seen == probe;
  }

  /**
   * One step of parameter {@code p} (its {@code t}-th, counting from 1) with learning rate
   * {@code lr} and its gradient scaled by {@code scale}; the gradient is zero afterwards.
   */
  void update(Parameter p, int t, float lr, float scale) {
    NDArray weight = p.getArray();
    try (NDArray gradient = weight.getGradient()) {
      update(p.getId(), p.getName(), weight, gradient, t, lr, scale);
    }
  }

  /**
   * One step of the float32 array {@code weight} (parameter {@code id}'s, or its float32 master
   * copy) from {@code gradient} (float32, dense, on the CPU), which is zero afterwards.
   */
  void update(String id, String name, NDArray weight, NDArray gradient, int t, float lr,
      float scale) {
    int n = Math.toIntExact(weight.size());
    double coef1 = 1.0 - Math.pow(BETA1, t);
    double coef2 = 1.0 - Math.pow(BETA2, t);
    float lrBias = (float) (lr * Math.sqrt(coef2) / coef1);
    FloatBuffer wb = weight.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    float[][] mv = moments.get(id);
    if (mv == null) { // first step of this parameter: its gradient must be writable in place
      if (!aliases(gradient)) {
        throw new IllegalStateException("the gradient of parameter " + name
            + " is not a dense CPU tensor the host update can write to");
      }
      mv = new float[][] {new float[n], new float[n]};
      moments.put(id, mv);
    }
    FloatBuffer gb = gradient.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer();
    if (w.length < n) {
      w = new float[n];
      g = new float[n];
    }
    wb.get(0, w, 0, n);
    gb.get(0, g, 0, n);
    step(w, g, mv[0], mv[1], n, lr, lrBias, weightDecay, scale);
    wb.put(0, w, 0, n);
    java.util.Arrays.fill(g, 0, n, 0f);
    gb.put(0, g, 0, n);
  }

  /** The update of the first {@code n} elements of a parameter. */
  static void step(float[] w, float[] g, float[] m, float[] v, int n, float lr, float lrBias,
      float weightDecay, float scale) {
    float b1 = BETA1;
    float b2 = BETA2;
    float c1 = 1 - BETA1;
    float c2 = 1 - BETA2;
    for (int i = 0; i < n; i++) {
      float gi = g[i] * scale;
      float mi = m[i] * b1 + c1 * gi;
      float vi = v[i] * b2 + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      float wi = w[i] - w[i] * lr * weightDecay;
      w[i] = wi - mi * lrBias / ((float) Math.sqrt(vi) + EPSILON);
    }
  }
}
