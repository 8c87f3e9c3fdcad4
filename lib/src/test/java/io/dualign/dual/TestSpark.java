package io.dualign.dual;

import org.apache.spark.sql.SparkSession;

/** {@code TestSpark} builds the small local Spark session the tests of this module use. */
public final class TestSpark {
  private TestSpark() {}

  /** A local[2] session with a small shuffle and no UI. */
  public static SparkSession local() {
    return SparkSession.builder().master("local[2]").appName("dualign-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate();
  }
}
