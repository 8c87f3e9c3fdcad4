package io.dualign.dual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SafeRlhfDualUpdateTest {
  /** Mean cost J_c with limit d, in dualign's convention: g = −cost, absolute level c = −d. */
  static ConstraintEstimate costs(double d, double... cost) {
    double[] g = new double[cost.length];
    for (int i = 0; i < cost.length; i++) {
      g[i] = -cost[i];
    }
    Constraint c = new Constraint("safety", ConstraintForm.ABSOLUTE, -d);
    return new ConstraintEstimate(List.of(new SlackEstimate(c, Moments.of(g), Moments.EMPTY)));
  }

  @Test
  void costAboveLimitRaisesLambda() {
    // J_c = 2, d = 0, λ = 1, α = 0.1: ln λ' = 0 + 0.1·1·2 = 0.2
    SafeRlhfDualUpdate u = new SafeRlhfDualUpdate(0.1, new double[] {5}, 0);
    DualState next = u.step(new DualState(1, new double[] {1.0}), costs(0.0, 1.0, 3.0));
    assertEquals(Math.exp(0.2), next.lambda(0), 1e-15);
    assertEquals(1.2214027581601699, next.lambda(0), 1e-15);
  }

  @Test
  void costBelowLimitLowersLambda() {
    // J_c = −1, d = 0.5, λ = 2: ln λ' = ln 2 + 0.1·2·(−1.5) = ln 2 − 0.3
    SafeRlhfDualUpdate u = new SafeRlhfDualUpdate(0.1, new double[] {5}, 0);
    DualState next = u.step(new DualState(1, new double[] {2.0}), costs(0.5, -1.0));
    assertEquals(2.0 * Math.exp(-0.3), next.lambda(0), 1e-15);
  }

  @Test
  void capAndDelay() {
    SafeRlhfDualUpdate u = new SafeRlhfDualUpdate(0.1, new double[] {5}, 1);
    DualState held = u.step(new DualState(1, new double[] {4.0}), costs(0.0, 10.0));
    assertEquals(4.0, held.lambda(0), 0.0);
    DualState capped = u.step(held, costs(0.0, 10.0)); // ln 4 + 0.1·4·10 → e^5.39 > 5
    assertEquals(5.0, capped.lambda(0), 0.0);
  }

  @Test
  void refusesZeroLambdaAndEmptyEstimates() {
    SafeRlhfDualUpdate u = new SafeRlhfDualUpdate(0.1, new double[] {5}, 0);
    assertThrows(IllegalArgumentException.class,
        () -> u.step(new DualState(1, new double[] {0.0}), costs(0.0, 1.0)));
    assertThrows(DualStepRefusedException.class,
        () -> u.step(new DualState(1, new double[] {1.0}), costs(0.0)));
  }
}
