package io.dualign.jobs;

import io.dualign.config.ConfigLoader;
import io.dualign.config.ConfigLocations;
import io.dualign.config.DualignConfig;
import io.dualign.run.RunDirectory;
import io.dualign.run.Versions;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code StageContext} is what one invocation of the command gives its stages: the validated
 * configuration, the run directory with its manifest, and a Spark session started on first use
 * (in-process {@code runtime.master} locally; the submitted one under spark-submit).
 */
public final class StageContext implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StageContext.class);

  private final DualignConfig config;
  private final String runDirLocation;
  private final String appName;
  private SparkSession spark;
  private RunDirectory runDir;
  private Map<String, Object> manifest;
  /** The run's MLflow tracker when {@code tracking.mlflow.uri} is set (the driver's only). */
  private io.dualign.track.MlflowTracker tracker;
  /** Whether {@link #close()} stops the session (false for a {@link #derive}d context). */
  private final boolean ownsSpark;

  /**
   * @throws io.dualign.config.ConfigError when a location in the configuration or the run
   *     directory is not usable ({@link ConfigLocations}), before anything starts
   */
  public StageContext(DualignConfig config, String runDirLocation, String appName) {
    ConfigLocations.check(config, ConfigLoader.fromClasspath().declarations(), runDirLocation);
    this.config = config;
    this.runDirLocation = runDirLocation;
    this.appName = appName;
    this.ownsSpark = true;
  }

  private StageContext(StageContext parent, DualignConfig config, RunDirectory view) {
    this.config = config;
    this.runDirLocation = parent.runDirLocation;
    this.appName = parent.appName;
    this.spark = parent.spark();
    this.runDir = view;
    this.manifest = parent.manifest;
    this.ownsSpark = false;
  }

  /**
   * A context for one b of the threshold sweep: this context's Spark session, manifest and run
   * id, with another configuration (the b's threshold) and a view of the run directory
   * ({@link RunDirectory#placing}). The manifest is not checked against {@code config}: it
   * records the run's configuration, of which the derived one is a part. Closing it does not
   * stop the session.
   */
  StageContext derive(DualignConfig config, RunDirectory view) {
    runDir();
    return new StageContext(this, config, view);
  }

  public DualignConfig config() {
    return config;
  }

  private static final String ARTIFACT_ISOLATION = "spark.sql.artifact.isolation.enabled";

  /** The Spark session, started on first use. */
  public SparkSession spark() {
    if (spark == null) {
      SparkSession.Builder b = SparkSession.builder().appName(appName);
      String master = System.getProperty("spark.master");
      if (master == null) {
        master = config.runtime().master();
        b.master(master);
      }
      if (master.startsWith("local") && System.getProperty("spark.driver.host") == null) {
        // In-process Spark talks only to itself: loopback avoids a hostname that resolves to an
        // unreachable interface (shuffle fetches then fail), as on this project's CI machine.
        b.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
      }
      if (System.getProperty(ARTIFACT_ISOLATION) == null) {
        // One session per application: Spark 4's per-session artifact isolation only makes every
        // executor ask the driver's class server for each class codegen probes (such as
        // ...catalyst.expressions.Object), an RPC round trip per lookup that hung until the
        // network timeout with authentication and encryption on (SecretsDoNotLeakTest).
        b.config(ARTIFACT_ISOLATION, "false");
      }
      if (System.getProperty("spark.executor.heartbeatInterval") == null) {
        // Heartbeats carry running tasks' accumulator values to the driver's progress lines:
        // send them at least as often as those lines (Spark's default is every 10 s).
        int s = Math.min(10, config.runtime().progressIntervalSeconds());
        b.config("spark.executor.heartbeatInterval", s + "s");
      }
      try {
        spark = b.getOrCreate();
      } catch (RuntimeException e) {
        throw startFailure(master, e);
      }
      LOG.info("Spark {} on {} (default parallelism {})", spark.version(),
          spark.sparkContext().master(), spark.sparkContext().defaultParallelism());
    }
    return spark;
  }

  /**
   * Explains a Spark start that a standalone master refused: Spark itself only says the master
   * is unresponsive, which is also what a wrong {@code spark.authenticate.secret} looks like.
   */
  static RuntimeException startFailure(String master, RuntimeException e) {
    if (!master.startsWith("spark://")) {
      return e;
    }
    boolean auth = new org.apache.spark.SparkConf().getBoolean("spark.authenticate", false);
    return new IllegalStateException("Spark could not start on " + master + ": the master did "
        + "not accept the application (" + e.getMessage() + "). Check the master URL"
        + (auth ? " and that spark.authenticate.secret is the secret the master and workers use "
            + "(with spark.authenticate=true a wrong secret looks like an unresponsive master)"
            : "; if the cluster uses spark.authenticate, give this application its secret"), e);
  }

  /** The run directory, with its manifest written (first run) or checked (resume). */
  public RunDirectory runDir() {
    if (runDir == null) {
      Configuration hadoop = spark != null ? spark.sparkContext().hadoopConfiguration()
          : new Configuration();
      runDir = RunDirectory.open(runDirLocation, hadoop);
      manifest = runDir.ensureManifest(config, Versions.all());
      LOG.info("run {} in {}", manifest.get("run_id"), runDir.root());
    }
    return runDir;
  }

  /**
   * Starts the run's MLflow tracker when {@code tracking.mlflow.uri} is set and it is not started
   * yet: from here on every commit of the run directory (and of its sweep views) is tracked.
   * Stages call it ({@link StageRunner}); commands that only look at a run (status, doctor,
   * bench) do not, so they never touch the MLflow run. A derived context leaves it to its parent.
   */
  void startTracking() {
    if (tracker == null && ownsSpark && config.tracking().enabled()) {
      runDir();
      tracker = io.dualign.track.MlflowTracker.start(config, runDir, manifest, System.getenv());
    }
  }

  /** The run's id from its manifest (a column of every output row). */
  public String runId() {
    runDir();
    return (String) manifest.get("run_id");
  }

  @Override
  public void close() {
    if (tracker != null) {
      tracker.close();
      tracker = null;
    }
    if (spark != null && ownsSpark) {
      spark.stop();
      spark = null;
    }
  }
}
