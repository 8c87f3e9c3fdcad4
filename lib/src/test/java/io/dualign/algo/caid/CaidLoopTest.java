package io.dualign.algo.caid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.CaidDualUpdate;
import io.dualign.dual.SafeRlhfDualUpdate;
import io.dualign.dual.DualState;
import io.dualign.dual.DualStepRefusedException;
import io.dualign.dual.Moments;
import io.dualign.dual.SlackEstimate;
import io.dualign.dual.ConstraintEstimate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaidLoopTest {
  static TabularInstance binding() {
    return ExactOptimalityTest.instances().filter(i -> i.name().equals("binding")).findFirst()
        .orElseThrow();
  }

  @Test
  void orderOfStepsAndTheLastIterationTakesNoRollout() {
    TabularInstance inst = binding();
    List<String> calls = new ArrayList<>();
    CaidLoop<TabularInstance.Policy> loop = new CaidLoop<>(
        (prev, lambda, t) -> {
          calls.add("maximise " + t + " at " + lambda[0]);
          return inst.maximise(lambda);
        },
        (policy, t) -> {
          calls.add("evaluate " + t);
          return inst.evaluate(policy);
        },
        new CaidDualUpdate(0.5, new double[] {50}, 0), 3);
    List<CaidIteration<TabularInstance.Policy>> run = loop.run(inst.reference(),
        new double[] {0.0}, it -> calls.add("commit " + it.iteration()));
    assertEquals(List.of("maximise 1 at 0.0", "evaluate 1", "commit 1"), calls.subList(0, 3));
    assertEquals("commit 3", calls.get(calls.size() - 1));
    assertEquals(8, calls.size()); // 3 maximise, 2 evaluate, 3 commits
    // λ(2) = clamp(0 − 0.5·û(1)): û(1) at π_0 is the slack of the λ = 0 policy (negative)
    double u1 = inst.evaluate(inst.maximise(new double[] {0})).slack()[0];
    assertTrue(u1 < 0);
    assertEquals(-0.5 * u1, run.get(0).nextLambda().lambda(0), 1e-15);
    assertEquals(run.get(0).nextLambda(), run.get(1).lambda());
    assertNull(run.get(2).estimate());
    assertNull(run.get(2).nextLambda());
  }

  /**
   * The primal-dual baseline is the same loop with Safe RLHF's step on ln λ: each λ(t+1) is
   * exp(ln λ(t) − α·λ(t)·û(t)) of the policy trained at λ(t), from Safe RLHF's λ(1) = 1.
   */
  @Test
  void theLoopWithSafeRlhfsUpdateStepsLnLambda() {
    TabularInstance inst = binding();
    double alpha = 0.1;
    CaidLoop<TabularInstance.Policy> loop = new CaidLoop<>((p, l, t) -> inst.maximise(l),
        (p, t) -> inst.evaluate(p), new SafeRlhfDualUpdate(alpha, new double[] {5}, 0), 4);
    List<CaidIteration<TabularInstance.Policy>> run = loop.run(inst.reference(),
        new double[] {1.0}, it -> { });
    assertEquals(1.0, run.get(0).lambda().lambda(0), 0.0);
    for (int t = 0; t < 3; t++) {
      double l = run.get(t).lambda().lambda(0);
      double u = inst.evaluate(inst.maximise(new double[] {l})).slack()[0];
      assertEquals(u, run.get(t).estimate().slack()[0], 1e-15);
      assertEquals(Math.min(5, Math.exp(Math.log(l) - alpha * l * u)),
          run.get(t + 1).lambda().lambda(0), 1e-12, "iteration " + (t + 1));
    }
    // λ = 1 over-satisfies this binding constraint (û > 0): Safe RLHF lowers λ, CAID's step
    // from the same start would too, by η·û instead of a factor exp(−α·λ·û)
    assertTrue(run.get(0).estimate().slack()[0] > 0);
    assertTrue(run.get(1).lambda().lambda(0) < 1.0);
  }

  @Test
  void withoutAnEvaluatorLambdaStaysAtItsWarmStart() {
    TabularInstance inst = binding();
    List<Integer> maximised = new ArrayList<>();
    CaidLoop<TabularInstance.Policy> loop = new CaidLoop<>((prev, lambda, t) -> {
      maximised.add(t);
      assertEquals(0.7, lambda[0], 0.0);
      return inst.maximise(lambda);
    }, null, new CaidDualUpdate(0.5, new double[] {50}, 0), 3);
    List<CaidIteration<TabularInstance.Policy>> run = loop.run(inst.reference(),
        new double[] {0.7}, it -> { });
    assertEquals(List.of(1, 2, 3), maximised);
    assertEquals(new DualState(2, new double[] {0.7}), run.get(0).nextLambda());
    assertNull(run.get(0).estimate());
    assertNull(run.get(2).nextLambda());
  }

  @Test
  void resumingFromACommittedIterationEqualsTheUninterruptedRun() {
    TabularInstance inst = binding();
    CaidLoop<TabularInstance.Policy> loop = new CaidLoop<>((p, l, t) -> inst.maximise(l),
        (p, t) -> inst.evaluate(p), new CaidDualUpdate(0.05, new double[] {50}, 1), 30);
    List<CaidIteration<TabularInstance.Policy>> whole = loop.run(inst.reference(),
        new double[] {0.2}, it -> { });
    CaidIteration<TabularInstance.Policy> committed = whole.get(11); // iteration 12
    List<CaidIteration<TabularInstance.Policy>> rest = loop.resume(committed.policy(),
        committed.nextLambda(), it -> { });
    assertEquals(18, rest.size());
    for (int i = 0; i < rest.size(); i++) {
      CaidIteration<TabularInstance.Policy> a = whole.get(12 + i);
      CaidIteration<TabularInstance.Policy> b = rest.get(i);
      assertEquals(a.iteration(), b.iteration());
      assertEquals(a.lambda(), b.lambda());
      assertArrayEquals(a.policy().logits()[0], b.policy().logits()[0], 0.0);
    }
    // delay = 1: the first estimate does not move λ
    assertEquals(0.2, whole.get(0).nextLambda().lambda(0), 0.0);
  }

  @Test
  void aRefusedStepStopsTheLoopNamingTheIteration() {
    TabularInstance inst = binding();
    CaidLoop<TabularInstance.Policy> loop = new CaidLoop<>((p, l, t) -> inst.maximise(l),
        (p, t) -> new ConstraintEstimate(List.of(new SlackEstimate(inst.constraints().get(0),
            Moments.of(Double.NaN), Moments.of(1.0, 2.0)))),
        new CaidDualUpdate(0.05, new double[] {50}, 0), 3);
    List<Integer> committed = new ArrayList<>();
    DualStepRefusedException e = assertThrows(DualStepRefusedException.class,
        () -> loop.resume(inst.reference(), new DualState(2, new double[] {0.5}),
            it -> committed.add(it.iteration())));
    assertTrue(e.getMessage().startsWith("iteration 2:"), e.getMessage());
    assertTrue(committed.isEmpty());
  }
}
