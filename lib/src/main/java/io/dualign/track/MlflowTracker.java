package io.dualign.track;

import io.dualign.config.DualignConfig;
import io.dualign.config.TrackingSettings;
import io.dualign.run.Json;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.MarkerException;
import io.dualign.run.marker.Markers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@code MlflowTracker} makes a run one MLflow run, from the driver: it observes every commit
 * of the run directory and sends, on a thread of its own, the marker's {@link TrackedFigures}, the
 * marker itself as the artifact {@code markers/<output>/_SUCCESS.json}, and the files of
 * {@code report/} when the report commits. The run's params are the resolved configuration, its
 * tags the dualign run id, commit and methods. The MLflow run's id is kept in the run directory
 * ({@value #FILE}), so a resumed run continues the same MLflow run.
 *
 * <p>It never fails or holds up the run: the first error (an unreachable server, an error answer)
 * is logged once as a warning, nothing more is sent, and every later marker records
 * {@code tracking.complete = false} with the problem. Before a marker is written the tracker waits
 * for what it was sending, at most {@code tracking.mlflow.timeoutSeconds}.
 */
public final class MlflowTracker implements RunDirectory.CommitObserver, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MlflowTracker.class);
  /** The file in the run directory that names the run's MLflow run. */
  public static final String FILE = "tracking.json";
  static final int PARAM_VALUE_MAX = 6000;

  private final TrackingSettings settings;
  private final RunDirectory dir;
  private final MlflowClient client;
  private final ExecutorService worker;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private volatile String problem;
  private volatile String mlflowRunId;
  private volatile String artifactUri;

  private MlflowTracker(TrackingSettings settings, RunDirectory dir, Map<String, String> env) {
    this.settings = settings;
    this.dir = dir;
    this.client = new MlflowClient(URI.create(settings.mlflowUri()),
        Duration.ofSeconds(settings.timeoutSeconds()), env);
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "dualign-mlflow");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts tracking the run in {@code dir} (its manifest written) and observes its commits;
   * opening the MLflow run happens in the background.
   *
   * @param env where the credentials come from ({@code System.getenv()})
   */
  public static MlflowTracker start(DualignConfig config, RunDirectory dir,
      Map<String, Object> manifest, Map<String, String> env) {
    MlflowTracker t = new MlflowTracker(config.tracking(), dir, env);
    t.submit(() -> t.open(config, manifest));
    dir.observe(t);
    return t;
  }

  /** What the markers record: the MLflow run, and whether everything so far reached it. */
  public Map<String, Object> status() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("mlflow_experiment", settings.experiment());
    s.put("mlflow_run_id", mlflowRunId);
    s.put("complete", problem == null && dropped.get() == 0);
    s.put("problem", problem);
    return s;
  }

  @Override
  public Map<String, Object> beforeCommit(String output, Map<String, Object> marker) {
    await(Duration.ofSeconds(settings.timeoutSeconds()));
    Map<String, Object> m = new LinkedHashMap<>(marker);
    m.put("tracking", status());
    return m;
  }

  @Override
  public void committed(String output, Map<String, Object> marker) {
    byte[] json = Json.write(marker);
    submit(() -> {
      client.logBatch(mlflowRunId, metrics(output, marker), Map.of(), Map.of());
      client.uploadArtifact(artifactUri, "markers/" + output + "/" + RunDirectory.MARKER, json);
      if (output.equals("report")) {
        uploadTree(dir.path(output), "report");
      }
      if (output.equals("report") || output.equals("sweep")) {
        client.logBatch(mlflowRunId, List.of(), Map.of(), Map.of("dualign.last_stage", output));
      }
    });
  }

  /**
   * The metrics of a committed output, from its marker's record; none (with a warning) when its
   * record cannot read it, so the marker is still sent.
   */
  private static List<MlflowClient.Metric> metrics(String output, Map<String, Object> marker) {
    try {
      return TrackedFigures.of(output, Markers.fromMap(marker, Markers.typeOf(output), output));
    } catch (MarkerException | IllegalArgumentException e) {
      LOG.warn("MLflow tracking: no metrics for {} ({})", output, e.getMessage());
      return List.of();
    }
  }

  /**
   * Waits, at most {@code 3 × tracking.mlflow.timeoutSeconds}, for what is still being sent;
   * marks the MLflow run FINISHED when the run's report is committed; records the final status in
   * {@value #FILE}.
   */
  @Override
  public void close() {
    if (dir.state("report") == io.dualign.run.OutputState.COMMITTED) {
      submit(() -> client.updateRun(mlflowRunId, "FINISHED", System.currentTimeMillis()));
    }
    boolean drained = await(Duration.ofSeconds(3L * settings.timeoutSeconds()));
    worker.shutdownNow();
    if (!drained && problem == null) {
      problem = pending.get() + " updates were still being sent when the command ended";
      LOG.warn("MLflow tracking at {}: {}; the MLflow run is incomplete", settings.mlflowUri(),
          problem);
    }
    if (mlflowRunId != null) {
      try {
        Map<String, Object> f = new LinkedHashMap<>(dir.readTopFile(FILE).orElse(Map.of()));
        f.put("last_status", status());
        dir.writeTopFile(FILE, f);
      } catch (RuntimeException e) {
        LOG.warn("could not record the tracking status in {}: {}", FILE, e.getMessage());
      }
    }
  }

  /** Opens the MLflow run: the one {@value #FILE} names on this server, else a new one. */
  private void open(DualignConfig config, Map<String, Object> manifest) throws IOException {
    String runId = String.valueOf(manifest.get("run_id"));
    Map<String, Object> known = dir.readTopFile(FILE).orElse(Map.of());
    Map<String, String> logged = Map.of();
    Map<String, Object> run = null;
    if (settings.mlflowUri().equals(known.get("mlflow_uri"))
        && known.get("mlflow_run_id") instanceof String id) {
      try {
        run = client.getRun(id);
      } catch (MlflowClient.MlflowException e) {
        if (!"RESOURCE_DOES_NOT_EXIST".equals(e.errorCode())) {
          throw e;
        }
      }
      if (run == null || "deleted".equals(((Map<?, ?>) run.get("info")).get("lifecycle_stage"))) {
        run = null;
        LOG.warn("MLflow: run {} named in {} is not on {} or was deleted; starting a new MLflow "
            + "run", id, FILE, settings.mlflowUri());
      }
    }
    if (run != null) {
      Map<?, ?> info = (Map<?, ?>) run.get("info");
      String id = (String) info.get("run_id");
      mlflowRunId = id;
      artifactUri = (String) info.get("artifact_uri");
      logged = keyValues(((Map<?, ?>) run.getOrDefault("data", Map.of())).get("params"));
      client.updateRun(id, "RUNNING", null);
      LOG.info("MLflow: continuing run {} in experiment {} at {}", id, settings.experiment(),
          settings.mlflowUri());
    } else {
      String experiment = client.experimentId(settings.experiment());
      Map<String, String> tags = new LinkedHashMap<>();
      tags.put("dualign.run_id", runId);
      Object commit = ((Map<?, ?>) manifest.getOrDefault("versions", Map.of())).get("git_commit");
      tags.put("dualign.commit", String.valueOf(commit));
      tags.put("mlflow.source.git.commit", String.valueOf(commit));
      tags.put("dualign.methods", String.join(",", config.align().methods()));
      tags.put("dualign.profile", String.valueOf(config.profile()));
      tags.put("dualign.run_dir", dir.root().toString());
      Map<String, Object> info = client.createRun(experiment, "dualign " + runId,
          System.currentTimeMillis(), tags);
      mlflowRunId = (String) info.get("run_id");
      artifactUri = (String) info.get("artifact_uri");
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("mlflow_uri", settings.mlflowUri());
      f.put("mlflow_experiment", settings.experiment());
      f.put("mlflow_experiment_id", experiment);
      f.put("mlflow_run_id", mlflowRunId);
      dir.writeTopFile(FILE, f);
      LOG.info("MLflow: run {} in experiment {} at {}", mlflowRunId, settings.experiment(),
          settings.mlflowUri());
    }
    Map<String, String> params = new TreeMap<>();
    Map<String, String> changed = new TreeMap<>();
    for (Map.Entry<String, String> e : params(config).entrySet()) {
      String was = logged.get(e.getKey());
      if (was == null) {
        params.put(e.getKey(), e.getValue());
      } else if (!was.equals(e.getValue())) {
        changed.put("dualign.resumed_with." + e.getKey(), e.getValue());
      }
    }
    client.logBatch(mlflowRunId, List.of(), params, changed);
  }

  /** The resolved configuration as MLflow params: each key with its value as text. */
  public static Map<String, String> params(DualignConfig config) {
    Map<String, String> p = new TreeMap<>();
    config.values().forEach((k, v) -> {
      String s = v instanceof String str ? str : new String(Json.compact(v),
          java.nio.charset.StandardCharsets.UTF_8);
      p.put(k, s.length() > PARAM_VALUE_MAX ? s.substring(0, PARAM_VALUE_MAX) : s);
    });
    return p;
  }

  private static Map<String, String> keyValues(Object list) {
    Map<String, String> m = new LinkedHashMap<>();
    if (list instanceof List<?> l) {
      for (Object o : l) {
        Map<?, ?> e = (Map<?, ?>) o;
        m.put(String.valueOf(e.get("key")), String.valueOf(e.get("value")));
      }
    }
    return m;
  }

  private void uploadTree(Path folder, String prefix) throws IOException {
    for (FileStatus s : dir.fs().listStatus(folder)) {
      String name = s.getPath().getName();
      if (name.startsWith(".")) {
        continue;
      }
      if (s.isDirectory()) {
        uploadTree(s.getPath(), prefix + "/" + name);
      } else {
        try (InputStream in = dir.fs().open(s.getPath())) {
          client.uploadArtifact(artifactUri, prefix + "/" + name, in.readAllBytes());
        }
      }
    }
  }

  /** One piece of tracking work, run on the tracker's thread. */
  @FunctionalInterface
  private interface Send {
    void run() throws Exception;
  }

  private void submit(Send s) {
    pending.incrementAndGet();
    try {
      worker.execute(() -> {
        try {
          if (problem != null) {
            dropped.incrementAndGet();
            return;
          }
          s.run();
        } catch (Exception | LinkageError e) {
          fail(e);
        } finally {
          pending.decrementAndGet();
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      pending.decrementAndGet();
      dropped.incrementAndGet();
    }
  }

  private void fail(Throwable e) {
    if (problem == null) {
      problem = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
      LOG.warn("MLflow tracking at {} failed ({}); the run goes on without it, and its markers "
          + "record tracking as incomplete", settings.mlflowUri(), problem);
    }
  }

  /** Waits until nothing is being sent, at most {@code max}; returns whether it got there. */
  private boolean await(Duration max) {
    if (pending.get() == 0) {
      return true;
    }
    CountDownLatch done = new CountDownLatch(1);
    try {
      worker.execute(done::countDown);
      return done.await(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
