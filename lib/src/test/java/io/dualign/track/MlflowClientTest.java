package io.dualign.track;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.dualign.run.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MlflowClient} against a stand-in server (the JDK's HttpServer) that records each request:
 * the credentials of the environment become the Authorization header (a token before a user and
 * password) and never part of an error message; log-batch respects the API's per-request limits;
 * an error answer is an exception with MLflow's error code; a missing experiment is created.
 */
class MlflowClientTest {
  private HttpServer server;
  private final List<String> paths = Collections.synchronizedList(new ArrayList<>());
  private final List<String> auth = Collections.synchronizedList(new ArrayList<>());
  private final List<Map<String, Object>> bodies = Collections.synchronizedList(new ArrayList<>());
  private URI uri;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      String path = x.getRequestURI().toString();
      paths.add(x.getRequestMethod() + " " + path);
      auth.add(x.getRequestHeaders().getFirst("Authorization"));
      byte[] in = x.getRequestBody().readAllBytes();
      if (in.length > 0 && path.contains("/mlflow/")) {
        bodies.add(Json.readMap(in));
      }
      int status = 200;
      String answer = "{}";
      if (path.contains("get-by-name")) {
        status = 404;
        answer = "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", \"message\": \"no such\"}";
      } else if (path.contains("experiments/create")) {
        answer = "{\"experiment_id\": \"7\"}";
      } else if (path.contains("runs/update")) {
        status = 403;
        answer = "{\"error_code\": \"PERMISSION_DENIED\", \"message\": \"not yours\"}";
      }
      byte[] out = answer.getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(status, out.length);
      x.getResponseBody().write(out);
      x.close();
    });
    server.start();
    uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void aTokenIsABearerHeaderAndUserAndPasswordBasicOnes() throws Exception {
    Map<String, String> env = Map.of("MLFLOW_TRACKING_TOKEN", "tok-123",
        "MLFLOW_TRACKING_USERNAME", "ada", "MLFLOW_TRACKING_PASSWORD", "pw-456");
    new MlflowClient(uri, Duration.ofSeconds(5), env).logBatch("r", List.of(), Map.of("a", "1"),
        Map.of());
    new MlflowClient(uri, Duration.ofSeconds(5), Map.of("MLFLOW_TRACKING_USERNAME", "ada",
        "MLFLOW_TRACKING_PASSWORD", "pw-456")).logBatch("r", List.of(), Map.of("a", "1"), Map.of());
    new MlflowClient(uri, Duration.ofSeconds(5), Map.of()).logBatch("r", List.of(),
        Map.of("a", "1"), Map.of());
    assertEquals("Bearer tok-123", auth.get(0));
    assertEquals("Basic " + Base64.getEncoder().encodeToString(
        "ada:pw-456".getBytes(StandardCharsets.UTF_8)), auth.get(1));
    assertNull(auth.get(2));
  }

  @Test
  void anErrorAnswerIsAnExceptionWithItsCodeAndNoCredentials() {
    MlflowClient c = new MlflowClient(uri, Duration.ofSeconds(5),
        Map.of("MLFLOW_TRACKING_TOKEN", "tok-123"));
    MlflowClient.MlflowException e = assertThrows(MlflowClient.MlflowException.class,
        () -> c.updateRun("r", "FINISHED", 1L));
    assertEquals(403, e.status());
    assertEquals("PERMISSION_DENIED", e.errorCode());
    assertTrue(e.getMessage().contains("not yours"), e.getMessage());
    assertFalse(e.getMessage().contains("tok-123"), e.getMessage());
  }

  @Test
  void aClosedPortIsAnExceptionNamingTheServer() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    MlflowClient c = new MlflowClient(URI.create("http://127.0.0.1:" + port),
        Duration.ofSeconds(5), Map.of());
    MlflowClient.MlflowException e = assertThrows(MlflowClient.MlflowException.class,
        () -> c.experimentId("x"));
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void aMissingExperimentIsCreated() throws Exception {
    assertEquals("7", new MlflowClient(uri, Duration.ofSeconds(5), Map.of()).experimentId("d"));
    assertEquals(List.of("GET /api/2.0/mlflow/experiments/get-by-name?experiment_name=d",
        "POST /api/2.0/mlflow/experiments/create"), paths);
  }

  @Test
  @SuppressWarnings("unchecked")
  void logBatchKeepsToTheLimitsOfOneRequest() throws Exception {
    List<MlflowClient.Metric> metrics = new ArrayList<>();
    for (int i = 0; i < 2100; i++) {
      metrics.add(new MlflowClient.Metric("m", i, 1L, i));
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < 150; i++) {
      params.put("p" + i, "v" + i);
    }
    new MlflowClient(uri, Duration.ofSeconds(5), Map.of()).logBatch("r", metrics, params,
        Map.of("t", "1"));
    int m = 0;
    int p = 0;
    for (Map<String, Object> b : bodies) {
      int nm = ((List<Object>) b.get("metrics")).size();
      int np = ((List<Object>) b.get("params")).size();
      int nt = ((List<Object>) b.get("tags")).size();
      assertTrue(np <= 100 && nt <= 100 && nm + np + nt <= 1000, b.keySet().toString());
      assertEquals("r", b.get("run_id"));
      m += nm;
      p += np;
    }
    assertEquals(2100, m);
    assertEquals(150, p);
    assertEquals(3, bodies.size());
    // metrics in order across requests: 899 beside 100 params and a tag, 950 beside 50 params
    Map<String, Object> last = (Map<String, Object>) ((List<Object>) bodies.get(2)
        .get("metrics")).get(0);
    assertEquals((1000 - 100 - 1) + (1000 - 50), ((Number) last.get("step")).intValue());
  }

  @Test
  void artifactsGoThroughTheServersProxyOnly() throws Exception {
    MlflowClient c = new MlflowClient(uri, Duration.ofSeconds(5), Map.of());
    c.uploadArtifact("mlflow-artifacts:/3/abc/artifacts", "report/index.html", new byte[] {1});
    assertEquals("PUT /api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts/report/index.html",
        paths.get(0));
    MlflowClient.MlflowException e = assertThrows(MlflowClient.MlflowException.class,
        () -> c.uploadArtifact("s3://bucket/3/abc", "x", new byte[0]));
    assertTrue(e.getMessage().contains("--serve-artifacts"), e.getMessage());
  }
}
