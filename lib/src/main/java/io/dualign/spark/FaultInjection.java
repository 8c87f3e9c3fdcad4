package io.dualign.spark;

import org.apache.spark.TaskContext;

/**
 * {@code FaultInjection} is the test-only failure of a rollout or scoring task: when the Spark job
 * carries the local property {@link #FAIL_ONCE} = {@code true}, the first attempt of its partition
 * 0 fails (after its models loaded), so a test can prove that the retried task writes the same
 * rows. It is not a dualign setting; a test sets it on its own thread with
 * {@code sparkContext().setLocalProperty(FaultInjection.FAIL_ONCE, "true")}.
 */
public final class FaultInjection {
  /** The Spark local property that turns the injected failure on. */
  public static final String FAIL_ONCE = "spark.dualign.test.failOnce";

  private FaultInjection() {}

  /** Fails the first attempt of partition 0 when the job carries {@link #FAIL_ONCE} = true. */
  public static void maybeFail(String what) {
    TaskContext ctx = TaskContext.get();
    if (ctx != null && "true".equals(ctx.getLocalProperty(FAIL_ONCE)) && ctx.partitionId() == 0
        && ctx.attemptNumber() == 0) {
      throw new IllegalStateException(what + ": injected failure of partition 0, attempt 0 "
          + "(Spark local property " + FAIL_ONCE + " = true; test only)");
    }
  }
}
