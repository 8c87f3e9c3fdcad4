package io.dualign.spark;

import org.apache.spark.TaskContext;

/**
 * {@code FaultInjection} is the test-only failure of {@code rollout.failOnceForTesting}: the first
 * attempt of partition 0 of a job fails (after its models loaded), so a test can prove that the
 * retried task writes the same rows. Never enabled in a real run.
 */
public final class FaultInjection {
  private FaultInjection() {}

  /** Fails the first attempt of partition 0 when {@code enabled}. */
  public static void maybeFail(boolean enabled, String what) {
    TaskContext ctx = TaskContext.get();
    if (enabled && ctx != null && ctx.partitionId() == 0 && ctx.attemptNumber() == 0) {
      throw new IllegalStateException(what + ": injected failure of partition 0, attempt 0 "
          + "(rollout.failOnceForTesting = true; a test-only setting)");
    }
  }
}
