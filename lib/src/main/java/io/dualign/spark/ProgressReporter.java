package io.dualign.spark;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * done of the total, rows with an error, rows/s, tokens/s and the time left, and a last line when
 * it is closed. It follows the job's {@link RolloutMetrics} from Spark listener events: the values
 * running tasks have reached, which every executor heartbeat carries (partition functions add to
 * the accumulators after each batch, so progress moves while tasks run; {@code
 * spark.executor.heartbeatInterval} sets how fresh it is), plus the final values of finished
 * tasks. It is a display, never an input to a result.
 */
public final class ProgressReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressReporter.class);

  private final SparkContext sc;
  private final String what;
  private final long total;
  private final long t0 = System.nanoTime();
  private final Tracker tracker;
  private final Consumer<Progress> sink;
  private final ScheduledExecutorService timer;

  private ProgressReporter(SparkContext sc, String what, RolloutMetrics metrics, long total,
      Duration interval, Consumer<Progress> sink) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("progress interval must be > 0, was " + interval);
    }
    this.sc = sc;
    this.what = what;
    this.total = total;
    this.sink = sink;
    this.tracker = new Tracker(metrics);
    sc.addSparkListener(tracker);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "dualign-progress-" + what);
      t.setDaemon(true);
      return t;
    });
    long ms = interval.toMillis();
    timer.scheduleAtFixedRate(this::report, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Starts reporting {@code what} every {@code intervalSeconds} until closed. */
  public static ProgressReporter start(SparkContext sc, String what, RolloutMetrics metrics,
      long totalRows, int intervalSeconds) {
    return start(sc, what, metrics, totalRows, Duration.ofSeconds(intervalSeconds), p -> {});
  }

  /**
   * Starts reporting {@code what} every {@code interval} until closed, handing each {@link
   * Progress} (the periodic ones and the last) to {@code sink} as well as to the log.
   */
  public static ProgressReporter start(SparkContext sc, String what, RolloutMetrics metrics,
      long totalRows, Duration interval, Consumer<Progress> sink) {
    return new ProgressReporter(sc, what, metrics, totalRows, interval, sink);
  }

  /** One progress reading: rows, rows with an error and tokens done so far, of {@code total}. */
  public record Progress(String what, long rows, long total, long errors, long tokens,
      double seconds) {

    /** The time left at the rate so far, in seconds (NaN before the first row). */
    public double etaSeconds() {
      return rows == 0 ? Double.NaN : Math.max(0, total - rows) * seconds / rows;
    }

    /** The log line. */
    public String line() {
      double s = Math.max(seconds, 1e-9);
      return String.format(java.util.Locale.ROOT, "%s: %d/%d rows (%.0f%%), %d with an error, "
          + "%.0f rows/s, %.0f tokens/s, %s elapsed, ETA %s", what, rows, total,
          total == 0 ? 100.0 : 100.0 * rows / total, errors, rows / s, tokens / s,
          format(seconds), rows == 0 ? "?" : format(etaSeconds()));
    }
  }

  /** The progress now. */
  public Progress progress() {
    long[] v = tracker.values();
    return new Progress(what, Math.min(total, v[0]), total, v[1], v[2],
        (System.nanoTime() - t0) / 1e9);
  }

  /** The line the reporter logs now. */
  public String line() {
    return progress().line();
  }

  private void report() {
    try {
      Progress p = progress();
      LOG.info(p.line());
      sink.accept(p);
    } catch (RuntimeException e) {
      LOG.debug("progress line failed: {}", e.toString());
    }
  }

  private static String format(double seconds) {
    long t = Math.round(seconds);
    return t >= 3600 ? String.format(java.util.Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60,
        t % 60) : String.format(java.util.Locale.ROOT, "%d:%02d", t / 60, t % 60);
  }

  /** Stops the periodic lines and logs the last one (after the listener caught up). */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      sc.listenerBus().waitUntilEmpty(5_000);
    } catch (Exception e) { // a timeout: the last line may miss the latest events
      LOG.debug("listener bus did not drain: {}", e.toString());
    }
    sc.removeSparkListener(tracker);
    if (!sc.isStopped()) {
      report();
    }
  }

  /**
   * Sums the accumulators of {@link RolloutMetrics} over finished tasks (their final update) and
   * running tasks (the latest value a heartbeat carried). A task's heartbeat that arrives after its
   * end is ignored; a failed or killed task counts for nothing (its retry reports again).
   */
  private static final class Tracker extends SparkListener {
    private final long[] ids;
    private final long[] done = new long[3];
    private final Map<Long, long[]> running = new HashMap<>();
    private final Set<Long> ended = new HashSet<>();

    Tracker(RolloutMetrics m) {
      ids = new long[] {m.rows().id(), m.errors().id(), m.tokens().id()};
    }

    /** Rows, errors and tokens done so far. */
    synchronized long[] values() {
      long[] v = done.clone();
      for (long[] r : running.values()) {
        for (int i = 0; i < v.length; i++) {
          v[i] += r[i];
        }
      }
      return v;
    }

    private int slot(long accumulatorId) {
      for (int i = 0; i < ids.length; i++) {
        if (ids[i] == accumulatorId) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public synchronized void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate e) {
      List<Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>>> updates =
          CollectionConverters.asJava(e.accumUpdates());
      for (Tuple4<Object, Object, Object, scala.collection.immutable.Seq<AccumulableInfo>> u
          : updates) {
        long task = (Long) u._1();
        if (ended.contains(task)) {
          continue;
        }
        for (AccumulableInfo a : CollectionConverters.asJava(u._4())) {
          int i = slot(a.id());
          if (i >= 0 && a.update().isDefined() && a.update().get() instanceof Number n) {
            running.computeIfAbsent(task, t -> new long[ids.length])[i] = n.longValue();
          }
        }
      }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd e) {
      long task = e.taskInfo().taskId();
      ended.add(task);
      running.remove(task);
      if (!e.taskInfo().successful()) {
        return;
      }
      for (AccumulableInfo a : CollectionConverters.asJava(e.taskInfo().accumulables())) {
        int i = slot(a.id());
        if (i >= 0 && a.update().isDefined() && a.update().get() instanceof Number n) {
          done[i] += n.longValue();
        }
      }
    }
  }
}
