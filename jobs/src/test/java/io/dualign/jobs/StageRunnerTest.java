package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.run.OutputState;
import io.dualign.vocabulary.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage contract on a real local Spark: commit, skip on resume, nothing left on failure. */
class StageRunnerTest {
  private static final DualignConfig TINY = ConfigLoader.fromClasspath()
      .load("tiny", null, List.of("runtime.master=local[1]"));

  /** A real little stage: writes a parquet table with Spark and reports its row count. */
  private static StageJob writeNumbers(AtomicInteger calls, boolean failAfterWriting) {
    return (ctx, out) -> {
      calls.incrementAndGet();
      Dataset<Row> numbers = ctx.spark().range(0, 10).toDF("n");
      numbers.write().parquet(out.uri("numbers"));
      if (failAfterWriting) {
        throw new IllegalStateException("boom after writing");
      }
      return Map.of("rows", numbers.count(), "run_id", ctx.runId());
    };
  }

  @Test
  void commitsThenSkipsOnResume(@TempDir Path dir) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (StageContext ctx = new StageContext(TINY, dir.toString(), "test")) {
      StageRunner.Outcome first = StageRunner.run(ctx, Stage.PREPARE, writeNumbers(calls, false));
      assertFalse(first.skipped());
      assertEquals(10, ((Number) first.marker().get("rows")).intValue());
      assertEquals(10L, ctx.spark().read().parquet(dir.resolve("prepare/numbers").toString())
          .count());
    }
    try (StageContext ctx = new StageContext(TINY, dir.toString(), "test")) {
      StageRunner.Outcome second = StageRunner.run(ctx, Stage.PREPARE, writeNumbers(calls, false));
      assertTrue(second.skipped());
      assertEquals(10, ((Number) second.marker().get("rows")).intValue());
      assertEquals(ctx.runId(), second.marker().get("run_id"));
    }
    assertEquals(1, calls.get(), "a committed stage does not run again");
  }

  @Test
  void aFailingStageLeavesNoMarkerAndTheRerunCommits(@TempDir Path dir) throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (StageContext ctx = new StageContext(TINY, dir.toString(), "test")) {
      assertThrows(IllegalStateException.class,
          () -> StageRunner.run(ctx, Stage.SFT, writeNumbers(calls, true)));
      assertEquals(OutputState.PARTIAL, ctx.runDir().state("sft"));
      assertFalse(Files.exists(dir.resolve("sft")));
      StageRunner.Outcome retry = StageRunner.run(ctx, Stage.SFT, writeNumbers(calls, false));
      assertFalse(retry.skipped());
      assertEquals(OutputState.COMMITTED, ctx.runDir().state("sft"));
      try (var temps = Files.list(dir.resolve("_temporary"))) {
        assertEquals(0, temps.count());
      }
    }
    assertEquals(2, calls.get());
  }

  @Test
  void aStageRefusedBeforeWritingLeavesNothing(@TempDir Path dir) throws Exception {
    try (StageContext ctx = new StageContext(TINY, dir.toString(), "test")) {
      io.dualign.config.ConfigError e = assertThrows(io.dualign.config.ConfigError.class,
          () -> StageRunner.run(ctx, Stage.SFT, (c, out) -> {
            throw new io.dualign.config.ConfigError("sft needs a committed prepare");
          }));
      assertEquals("sft needs a committed prepare", e.getMessage());
      assertEquals(OutputState.ABSENT, ctx.runDir().state("sft"));
    }
  }
}
