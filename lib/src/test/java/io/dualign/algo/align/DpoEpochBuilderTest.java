package io.dualign.algo.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.spark.ModelRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class DpoEpochBuilderTest {
  private static DpoEpoch.Builder complete(DualignConfig c) {
    return DpoEpoch.builder("caid", 2).previous(new ModelRef("file:/tmp/m", "v1"))
        .outputDir("file:/tmp/out").model(c.model()).train(c.train()).batchSize(4)
        .learningRate(1e-4).beta(0.1).runSeed(7).threads(1);
  }

  @Test
  void buildsWhenEverySettingIsGiven() {
    DualignConfig c = ConfigLoader.fromClasspath().load("default", null,
        List.of("train.gradAccumulation=3"));
    assertEquals(3, c.train().gradAccumulation());
    assertNotNull(complete(c).build());
  }

  @Test
  void refusesAMissingOrBadSettingNamingIt() {
    DualignConfig c = ConfigLoader.fromClasspath().load("default", null, List.of());
    IllegalStateException missing = assertThrows(IllegalStateException.class,
        () -> complete(c).previous(null).build());
    assertTrue(missing.getMessage().contains("align caid iteration 2")
        && missing.getMessage().contains("previous"), missing.getMessage());
    IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
        () -> complete(c).batchSize(0).build());
    assertTrue(batch.getMessage().contains("batch size must be >= 1, was 0"), batch.getMessage());
    IllegalArgumentException beta = assertThrows(IllegalArgumentException.class,
        () -> complete(c).beta(0).build());
    assertTrue(beta.getMessage().contains("beta"), beta.getMessage());
    IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
        () -> complete(c).threads(0).build());
    assertTrue(threads.getMessage().contains("threads must be >= 1"), threads.getMessage());
  }
}
