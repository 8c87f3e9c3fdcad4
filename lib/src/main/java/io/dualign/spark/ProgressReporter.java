package io.dualign.spark;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple4;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A {@code ProgressReporter} logs a long job's progress on the driver at a steady cadence: rows
 * done of the total, rows with an error, tokens/s and the time left. It reads the job's
 * {@link RolloutMetrics} — finished tasks from the accumulators, running tasks from the values
 * their executors' heartbeats carry — so it is a display, never an input to a result.
 */
public final class ProgressReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

  private final SparkContext sc;
  private final String what;
  private final RolloutMetrics metrics;
  private final long total;
  private final long t0 = System.nanoTime();
  private final InFlight inFlight;
  private final ScheduledExecutorService timer;

  private ProgressReporter(SparkContext sc, String what, RolloutMetrics metrics, long total,
      int intervalSeconds) {
    this.sc = sc;
    this.what = what;
    this.metrics = metrics;
    this.total = total;
    this.inFlight = new InFlight(metrics);
    sc.addSparkListener(inFlight);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dualign-progress-" + what);
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::report, intervalSeconds, intervalSeconds, TimeUnit.SECONDS);
  }

  /** Starts reporting {@code what} every {@code intervalSeconds} until closed. */
  public static ProgressReporter start(SparkContext sc, String what, RolloutMetrics metrics,
      long totalRows, int intervalSeconds) {
    return new ProgressReporter(sc, what, metrics, totalRows, intervalSeconds);
  }

  /** The line the reporter logs now. */
  public String line() {
    long rows = Math.min(total, metrics.rows().value() + inFlight.sum(metrics.rows().id()));
    long errors = metrics.errors().value() + inFlight.sum(metrics.errors().id());
    long tokens = metrics.tokens().value() + inFlight.sum(metrics.tokens().id());
    double s = (System.nanoTime() - t0) / 1e9;
    String eta = rows == 0 ? "?" : format((total - rows) * s / rows);
    return String.format(Locale.ROOT, "%s: %d/%d rows (%.0f%%), %d with an error, %.0f rows/s,"
        + " %.0f tokens/s, %s elapsed, ETA %s", what, rows, total,
        total == 0 ? 100.0 : 100.0 * rows / total, errors, rows / s, tokens / s, format(s), eta);
  }

  private void report() {
    try {
      LOG.info(line());
    } catch (RuntimeException e) {
      LOG.debug("progress line failed: {}", e.toString());
    }
  }

  private static String format(double seconds) {
    long t = Math.round(seconds);
    return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
        : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
  }

  @Override
  public void close() {
    timer.shutdownNow();
    sc.removeSparkListener(inFlight);
  }

  /** The latest accumulator values of running tasks, from executor heartbeats. */
  private static final class InFlight extends SparkListener {
    private final java.util.Set<Long> ids;
    private final Map<Long, Map<Long, Long>> byTask = new ConcurrentHashMap<>();

    InFlight(RolloutMetrics m) {
      ids = java.util.Set.of(m.rows().id(), m.errors().id(), m.tokens().id());
    }

    long sum(long accumulatorId) {
      long s = 0;
      for (Map<Long, Long> m : byTask.values()) {
        s += m.getOrDefault(accumulatorId, 0L);
      }
      return s;
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate e) {
      List<Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>>> updates =
          CollectionConverters.asJava(e.accumUpdates());
      for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> u
          : updates) {
        long task = (Long) u._1();
        for (AccumulableInfo a : CollectionConverters.asJava(u._4())) {
          if (ids.contains(a.id()) && a.update().isDefined()
              && a.update().get() instanceof Number n) {
            byTask.computeIfAbsent(task, t -> new ConcurrentHashMap<>()).put(a.id(), n.longValue());
          }
        }
      }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
      byTask.remove(e.taskInfo().taskId());
    }
  }
}
