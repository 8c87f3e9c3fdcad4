package io.dualign.jobs;

import io.dualign.algo.align.AlignMethod;
import io.dualign.config.DualignConfig;
import java.util.List;

/**
 * {@code AlignChild} runs {@code align --method caid} on a fixture run directory in its own JVM
 * (with the test rollouts), so a test can kill it with SIGKILL and run it again.
 * Arguments: the run directory, then config overrides.
 */
public final class AlignChild {
  private AlignChild() {}

  public static void main(String[] args) throws Exception {
    DualignConfig cfg = AlignFixture.config(List.of(args).subList(1, args.length));
    try (StageContext ctx = new StageContext(cfg, args[0], "align-child")) {
      ctx.spark();
      new AlignJob(AlignFixture.rollouts(cfg)).runMethod(ctx, AlignMethod.CAID);
    }
    System.exit(0);
  }
}
