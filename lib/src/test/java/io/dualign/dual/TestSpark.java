package io.dualign.dual;

import org.apache.spark.sql.SparkSession;

/**
 * {@code TestSpark} builds the small local Spark sessions the tests of lib and jobs use: no UI,
 * a small shuffle, the driver on 127.0.0.1.
 */
public final class TestSpark {
  private TestSpark() {}

  /** A local[2] session with a small shuffle and no UI. */
  public static SparkSession local() {
    return builder().getOrCreate();
  }

  /**
   * The builder of {@link #local()}, for a test that needs another master (e.g. {@code
   * local[2,2]}: two slots, a failed task retried once) or more settings; later calls override.
   */
  public static SparkSession.Builder builder() {
    return SparkSession.builder().master("local[2]").appName("dualign-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1");
  }
}
