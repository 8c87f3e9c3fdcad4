package io.dualign.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.run.RunDirectory;
import io.dualign.run.Versions;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MlflowTracker} against a stand-in MLflow server: a commit sends the marker's metrics and
 * the marker as an artifact, and the next marker records tracking as complete; a run id in
 * {@code tracking.json} the server no longer knows starts a new MLflow run; an error answer leaves
 * the run going with every later marker recording tracking as incomplete and nothing more sent.
 */
class MlflowTrackerTest {
  private HttpServer server;
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger runs = new AtomicInteger();
  private volatile boolean failLogBatch;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      String path = x.getRequestURI().getPath();
      requests.add(x.getRequestMethod() + " " + path);
      x.getRequestBody().readAllBytes();
      int status = 200;
      String answer = "{}";
      if (path.endsWith("experiments/get-by-name")) {
        answer = "{\"experiment\": {\"experiment_id\": \"4\"}}";
      } else if (path.endsWith("runs/create")) {
        String id = "run" + runs.incrementAndGet();
        answer = "{\"run\": {\"info\": {\"run_id\": \"" + id + "\", \"artifact_uri\": "
            + "\"mlflow-artifacts:/4/" + id + "/artifacts\"}}}";
      } else if (path.endsWith("runs/get")) {
        status = 404;
        answer = "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", \"message\": \"gone\"}";
      } else if (path.endsWith("runs/log-batch") && failLogBatch) {
        status = 500;
        answer = "{\"error_code\": \"INTERNAL_ERROR\", \"message\": \"disk full\"}";
      }
      byte[] out = answer.getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(status, out.length);
      x.getResponseBody().write(out);
      x.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private DualignConfig config() {
    return ConfigLoader.fromClasspath().load("tiny", null, List.of("tracking.mlflow.uri=\""
        + "http://127.0.0.1:" + server.getAddress().getPort() + "\""));
  }

  @Test
  @SuppressWarnings("unchecked")
  void commitsAreSentAndAnUnknownRunIdStartsANewRun(@TempDir Path tmp) throws Exception {
    DualignConfig cfg = config();
    RunDirectory dir = RunDirectory.open(tmp.resolve("r").toString(), new Configuration());
    Map<String, Object> manifest = dir.ensureManifest(cfg, Versions.all());
    try (MlflowTracker t = MlflowTracker.start(cfg, dir, manifest, Map.of())) {
      dir.commitComposite("solve-dual", Map.of("lambda", Map.of("safety", 0.5)));
      Map<String, Object> next = dir.commitComposite("score", Map.of());
      Map<String, Object> status = (Map<String, Object>) next.get("tracking");
      assertEquals(true, status.get("complete"), status.toString());
      assertEquals("run1", status.get("mlflow_run_id"));
    }
    assertTrue(requests.contains(
        "PUT /api/2.0/mlflow-artifacts/artifacts/4/run1/artifacts/markers/solve-dual/_SUCCESS.json"),
        requests.toString());
    assertEquals("run1", dir.readTopFile(MlflowTracker.FILE).orElseThrow().get("mlflow_run_id"));
    // resumed: the server does not know run1 any more (runs/get answers 404), so a new run
    try (MlflowTracker t = MlflowTracker.start(cfg, dir, manifest, Map.of())) {
      Map<String, Object> m = dir.commitComposite("evaluate", Map.of());
      assertEquals("run2", ((Map<String, Object>) m.get("tracking")).get("mlflow_run_id"));
    }
    assertEquals("run2", dir.readTopFile(MlflowTracker.FILE).orElseThrow().get("mlflow_run_id"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void anErrorAnswerMakesTrackingIncompleteAndStopsSending(@TempDir Path tmp) throws Exception {
    failLogBatch = true;
    DualignConfig cfg = config();
    RunDirectory dir = RunDirectory.open(tmp.resolve("r").toString(), new Configuration());
    Map<String, Object> manifest = dir.ensureManifest(cfg, Versions.all());
    try (MlflowTracker t = MlflowTracker.start(cfg, dir, manifest, Map.of())) {
      Map<String, Object> first = dir.commitComposite("prepare", Map.of());
      Map<String, Object> status = (Map<String, Object>) first.get("tracking");
      assertEquals(false, status.get("complete"), status.toString());
      assertTrue(String.valueOf(status.get("problem")).contains("disk full"), status.toString());
      int sent = requests.size();
      Map<String, Object> second = dir.commitComposite("sft", Map.of("loss_history",
          List.of(Map.of("step", 5, "loss", 1.0, "tokens_per_second", 9.0))));
      assertEquals(false, ((Map<String, Object>) second.get("tracking")).get("complete"));
      dir.commitComposite("train-reward", Map.of());
      assertEquals(sent, requests.size(), "nothing sent after the failure: " + requests);
      assertNotEquals(0, sent);
    }
  }
}
