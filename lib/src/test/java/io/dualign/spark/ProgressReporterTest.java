package io.dualign.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.TestSpark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link ProgressReporter} on local[2] with a short heartbeat: progress read while the tasks are
 * still running shows the rows their batches finished, and the last line shows every row.
 */
class ProgressReporterTest {
  private static SparkSession spark;
  /** Opened by the test once the driver has seen progress; the tasks wait for it half-way. */
  private static final CountDownLatch SEEN = new CountDownLatch(1);

  @BeforeAll
  static void start() {
    spark = TestSpark.builder().appName("ProgressReporterTest")
        .config("spark.executor.heartbeatInterval", "200ms").getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /**
   * A partition function that adds to the metrics after every batch of 5 rows (5 rows, 1 error,
   * 15 tokens) and, after its first batch, waits until the driver has seen progress.
   */
  static final class SlowBatches implements MapPartitionsFunction<Long, Long> {
    private static final long serialVersionUID = 1L;
    private final RolloutMetrics metrics;

    SlowBatches(RolloutMetrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public Iterator<Long> call(Iterator<Long> input) throws Exception {
      List<Long> out = new ArrayList<>();
      int n = 0;
      while (input.hasNext()) {
        out.add(input.next() * 2);
        if (++n % 5 == 0) {
          metrics.add(5, 1, 15);
          if (n == 5) {
            SEEN.await(60, TimeUnit.SECONDS); // the assertions below fail if it times out
          }
        }
      }
      return out.iterator();
    }
  }

  @Test
  void progressMovesWhileTasksRunAndEndsAtTheTotal() throws Exception {
    RolloutMetrics metrics = RolloutMetrics.register(spark.sparkContext(), "progress-test");
    AtomicInteger taskEnds = new AtomicInteger();
    SparkListener ends = new SparkListener() {
      @Override
      public void onTaskEnd(SparkListenerTaskEnd e) {
        taskEnds.incrementAndGet();
      }
    };
    spark.sparkContext().addSparkListener(ends);
    List<ProgressReporter.Progress> seen = new CopyOnWriteArrayList<>();
    List<Integer> endsWhenSeen = new CopyOnWriteArrayList<>();
    long sum;
    try (ProgressReporter p = ProgressReporter.start(spark.sparkContext(), "test", metrics, 20,
        Duration.ofMillis(100), pr -> {
          seen.add(pr);
          endsWhenSeen.add(taskEnds.get());
          if (pr.rows() > 0) {
            SEEN.countDown();
          }
        })) {
      sum = spark.range(0, 20, 1, 2).as(Encoders.LONG())
          .mapPartitions(new SlowBatches(metrics), Encoders.LONG())
          .reduce((org.apache.spark.api.java.function.ReduceFunction<Long>) Long::sum);
    } finally {
      spark.sparkContext().removeSparkListener(ends);
    }
    assertEquals(380L, sum);
    // The first reading with rows came while both tasks were waiting half-way: from heartbeats.
    int first = -1;
    for (int i = 0; i < seen.size(); i++) {
      if (seen.get(i).rows() > 0) {
        first = i;
        break;
      }
    }
    assertTrue(first >= 0, "no progress with rows before the end: " + seen);
    ProgressReporter.Progress mid = seen.get(first);
    assertEquals(0, endsWhenSeen.get(first), "a task had ended: " + mid);
    assertTrue(mid.rows() == 5 || mid.rows() == 10, mid.line());
    assertEquals(mid.rows() / 5, mid.errors(), mid.line());
    assertEquals(3 * mid.rows(), mid.tokens(), mid.line());
    assertFalse(Double.isNaN(mid.etaSeconds()));
    assertTrue(mid.line().startsWith("test: " + mid.rows() + "/20 rows ("), mid.line());
    // The last reading (at close) has every row, from the finished tasks.
    ProgressReporter.Progress last = seen.get(seen.size() - 1);
    assertNotNull(last);
    assertEquals(20, last.rows(), last.line());
    assertEquals(4, last.errors(), last.line());
    assertEquals(60, last.tokens(), last.line());
    assertEquals(0.0, last.etaSeconds());
  }
}
