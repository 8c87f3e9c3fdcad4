package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class StageContextStartFailureTest {

  @Test
  void aRefusedStandaloneStartNamesTheMasterAndTheSecret() {
    IllegalStateException spark = new IllegalStateException(
        "Spark context stopped while waiting for backend");
    assertSame(spark, StageContext.startFailure("local[2]", spark));
    System.setProperty("spark.authenticate", "true");
    try {
      RuntimeException e = StageContext.startFailure("spark://m:7077", spark);
      assertSame(spark, e.getCause());
      assertEquals("Spark could not start on spark://m:7077: the master did not accept the "
          + "application (Spark context stopped while waiting for backend). Check the master URL "
          + "and that spark.authenticate.secret is the secret the master and workers use (with "
          + "spark.authenticate=true a wrong secret looks like an unresponsive master)",
          e.getMessage());
    } finally {
      System.clearProperty("spark.authenticate");
    }
    assertEquals("Spark could not start on spark://m:7077: the master did not accept the "
        + "application (Spark context stopped while waiting for backend). Check the master URL; "
        + "if the cluster uses spark.authenticate, give this application its secret",
        StageContext.startFailure("spark://m:7077", spark).getMessage());
  }
}
