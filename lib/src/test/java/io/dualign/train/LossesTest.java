package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class LossesTest {
  private static double softplus(double x) {
    return Math.log1p(Math.exp(x));
  }

  @Test
  void logSigmoidIsStableAndExact() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] v = Losses.logSigmoid(m.create(new float[] {-200f, -1f, 0f, 2f, 200f})).toFloatArray();
      assertEquals(-200.0, v[0], 1e-3);
      assertEquals(-softplus(1), v[1], 1e-6);
      assertEquals(-Math.log(2), v[2], 1e-6);
      assertEquals(-softplus(-2), v[3], 1e-6);
      assertEquals(0.0, v[4], 1e-6);
    }
  }

  @Test
  void rewardLossByHand() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray better = m.create(new float[] {1f, -0.5f});
      NDArray worse = m.create(new float[] {0f, 0.5f});
      double expected = ((softplus(-1) + 0.01 * (1 + 0)) + (softplus(1) + 0.01 * (0.25 + 0.25))) / 2;
      assertEquals(expected, Losses.reward(better, worse, 0.01f).getFloat(), 1e-6);
    }
  }

  @Test
  void costLossByHand() {
    try (NDManager m = NDManager.newBaseManager()) {
      // Pair 1: safer is safe (sign -1) with cost -1, unsafer is unsafe (+1) with cost 2.
      // Pair 2: both unsafe (+1): safer cost 0.5, unsafer cost 0.25.
      NDArray safer = m.create(new float[] {-1f, 0.5f});
      NDArray unsafer = m.create(new float[] {2f, 0.25f});
      NDArray signSafer = m.create(new float[] {-1f, 1f});
      NDArray signUnsafer = m.create(new float[] {1f, 1f});
      double p1 = softplus(-(2 - -1)) + softplus(-(-1 * -1)) + softplus(-(1 * 2)) + 0.1 * (1 + 4);
      double p2 = softplus(-(0.25 - 0.5)) + softplus(-0.5) + softplus(-0.25)
          + 0.1 * (0.25 + 0.0625);
      assertEquals((p1 + p2) / 2, Losses.cost(safer, unsafer, signSafer, signUnsafer, 0.1f)
          .getFloat(), 1e-5);
    }
  }

  @Test
  void dpoLossByHand() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray pc = m.create(new float[] {-10f, -4f});
      NDArray pr = m.create(new float[] {-12f, -3f});
      NDArray rc = m.create(new float[] {-11f, -4f});
      NDArray rr = m.create(new float[] {-11f, -4f});
      // margins: ((-10+11) - (-12+11)) = 2; ((-4+4) - (-3+4)) = -1; times beta 0.1
      double expected = (softplus(-0.2) + softplus(0.1)) / 2;
      assertEquals(expected, Losses.dpo(pc, pr, rc, rr, 0.1f).getFloat(), 1e-6);
      // At the reference, the loss is log 2 whatever the responses.
      assertEquals(Math.log(2), Losses.dpo(rc, rr, rc, rr, 0.5f).getFloat(), 1e-6);
    }
  }

  @Test
  void nextTokenLossIsTheMeanOverTargets() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray lp = m.create(new float[] {-1f, -3f, -2f});
      assertEquals(2.0, Losses.nextToken(lp, 3).getFloat(), 1e-6);
      assertEquals(0.0, Losses.nextToken(m.create(new float[0]), 0).getFloat(), 1e-6);
    }
  }
}
