package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.run.Json;
import io.dualign.track.MlflowClient;
import io.dualign.track.MlflowClient.Metric;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * MLflow tracking against a real {@code mlflow server} ({@link MlflowServer}): a tiny pipeline run
 * with {@code tracking.mlflow.uri} set is one MLflow run whose params are the resolved
 * configuration, whose λ metric history is the marker's {@code lambda_trajectory}, whose
 * artifacts hold the report and the markers, and which the same run resumed (a threshold sweep
 * added) continues; the token it was given appears in no file of the run and in no line of its
 * output. Then the same pipeline with tracking pointed at a closed port completes with one
 * warning, markers that say tracking was incomplete, and the same figures.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MlflowTrackingIT {
  @TempDir static Path tmp;
  /** The tracked run of the first test, the reference of the second (null when it skipped). */
  private static Path trackedRun;

  @Test
  @Order(1)
  @SuppressWarnings("unchecked")
  void aTrackedRunIsOneMlflowRunWithItsParamsMetricsAndArtifacts() throws Exception {
    try (MlflowServer server = MlflowServer.require(tmp)) {
      String experiment = "dualign-it-" + UUID.randomUUID();
      String token = "dualign-token-probe-" + UUID.randomUUID();
      Map<String, String> env = Map.of("MLFLOW_TRACKING_TOKEN", token);
      String[] sets = {"tracking.mlflow.uri=" + server.uri(),
          "tracking.mlflow.experiment=" + experiment};
      Path run = tmp.resolve("tracked");
      Path log = tmp.resolve("tracked.log");
      assertEquals(0, TinyPipeline.child(run, env, log, sets), () -> read(log));

      MlflowClient client = new MlflowClient(server.uri(), Duration.ofSeconds(30), Map.of());
      Map<String, Object> tracking = json(run.resolve("tracking.json"));
      String id = (String) tracking.get("mlflow_run_id");
      assertNotNull(id, tracking.toString());
      Map<String, Object> manifest = json(run.resolve("manifest.json"));
      Map<String, Object> mlflowRun = client.getRun(id);
      Map<String, Object> info = (Map<String, Object>) mlflowRun.get("info");
      Map<String, Object> data = (Map<String, Object>) mlflowRun.get("data");
      assertEquals("FINISHED", info.get("status"));

      // params: the resolved configuration, every key of the manifest's config with its value
      Map<String, String> params = keyValues(data.get("params"));
      Map<String, Object> config = (Map<String, Object>) manifest.get("config");
      assertTrue(config.size() > 50, config.toString());
      for (Map.Entry<String, Object> e : config.entrySet()) {
        Object v = e.getValue();
        String expected = v instanceof String s ? s
            : new String(Json.compact(v), StandardCharsets.UTF_8);
        assertEquals(expected, params.get(e.getKey()), "param " + e.getKey());
      }
      assertEquals("2", params.get("align.iterations"));
      assertEquals(String.valueOf(server.uri()), params.get("tracking.mlflow.uri"));
      Map<String, String> tags = keyValues(data.get("tags"));
      assertEquals(manifest.get("run_id"), tags.get("dualign.run_id"));
      assertEquals("caid,oneshot", tags.get("dualign.methods"));
      assertEquals(((Map<String, Object>) manifest.get("versions")).get("git_commit"),
          tags.get("dualign.commit"));

      // the λ metric history is the marker's trajectory, step t = iteration t
      Map<String, Object> caid = json(run.resolve("align/caid/_SUCCESS.json"));
      List<Map<String, Object>> trajectory =
          (List<Map<String, Object>>) caid.get("lambda_trajectory");
      List<Metric> lambda = sorted(client.metricHistory(id, "caid.lambda.safety"));
      assertEquals(trajectory.size(), lambda.size(), lambda.toString());
      for (int t = 0; t < trajectory.size(); t++) {
        assertEquals(t + 1, lambda.get(t).step());
        assertEquals(((Number) trajectory.get(t).get("safety")).doubleValue(),
            lambda.get(t).value(), 0.0, "λ(" + (t + 1) + ")");
      }
      Map<String, Object> it1 = json(run.resolve("align/caid/iteration-1/_SUCCESS.json"));
      Map<String, Object> est = ((List<Map<String, Object>>) it1.get("estimate")).get(0);
      Map<String, Object> dpo = (Map<String, Object>) it1.get("dpo");
      Map<String, Object> expected = new LinkedHashMap<>();
      expected.put("caid.u_hat.safety", est.get("slack"));
      expected.put("caid.u_hat_lower95.safety", est.get("lower95"));
      expected.put("caid.u_hat_upper95.safety", est.get("upper95"));
      expected.put("caid.dpo_loss", dpo.get("dpo_loss"));
      expected.put("caid.kl_pairs", dpo.get("kl_pairs"));
      expected.put("caid.implicit_reward_accuracy", dpo.get("implicit_reward_accuracy"));
      for (Map.Entry<String, Object> e : expected.entrySet()) {
        Metric first = sorted(client.metricHistory(id, e.getKey())).get(0);
        assertEquals(1, first.step(), e.getKey());
        assertEquals(((Number) e.getValue()).doubleValue(), first.value(), 0.0, e.getKey());
      }
      // per-step training loss and tokens/s of every training stage
      for (String stage : List.of("sft", "train-reward", "train-cost")) {
        List<Object> history = (List<Object>) json(run.resolve(stage + "/_SUCCESS.json"))
            .get("loss_history");
        assertFalse(history.isEmpty(), stage);
        assertEquals(history.size(), client.metricHistory(id, stage + ".train_loss").size(), stage);
        assertEquals(history.size(), client.metricHistory(id, stage + ".tokens_per_second")
            .size(), stage);
      }
      assertFalse(client.metricHistory(id, "caid.dpo_train_loss").isEmpty());
      assertFalse(client.metricHistory(id, "sample-ref.tokens_per_second").isEmpty());

      // artifacts: the report and the markers
      String artifacts = (String) info.get("artifact_uri");
      assertEquals(Files.readString(run.resolve("report/index.html")), new String(
          client.downloadArtifact(artifacts, "report/index.html"), StandardCharsets.UTF_8));
      assertTrue(client.downloadArtifact(artifacts, "report/charts/dual.png").length > 1000);
      Map<String, Object> markerArtifact = Json.readMap(client.downloadArtifact(artifacts,
          "markers/align/caid/_SUCCESS.json"));
      assertEquals(caid.get("lambda_trajectory"), markerArtifact.get("lambda_trajectory"));
      Map<String, Object> status = (Map<String, Object>) caid.get("tracking");
      assertEquals(true, status.get("complete"), status.toString());
      assertEquals(id, status.get("mlflow_run_id"));

      // resumed with a threshold sweep added: the same MLflow run goes on
      Path log2 = tmp.resolve("tracked-resumed.log");
      List<String> resumed = new ArrayList<>(List.of(sets));
      resumed.add("dual.sweep=[0.5]");
      assertEquals(0, TinyPipeline.child(run, env, log2, resumed.toArray(new String[0])),
          () -> read(log2));
      assertEquals(id, json(run.resolve("tracking.json")).get("mlflow_run_id"));
      String experimentId = (String) info.get("experiment_id");
      assertEquals(List.of(id), client.runIds(experimentId), "one MLflow run for the run");
      assertFalse(client.metricHistory(id, "sweep.b_0.5.caid.lambda.safety").isEmpty(),
          "the sweep's λ went to the same MLflow run");
      assertEquals("[0.5]", keyValues(((Map<String, Object>) client.getRun(id).get("data"))
          .get("tags")).get("dualign.resumed_with.dual.sweep"));
      assertTrue(read(log2).contains("MLflow: continuing run " + id), read(log2));

      // the token is nowhere: no file of the run directory, no line of the output or log
      List<String> forms = List.of(token, Base64.getEncoder().encodeToString(
          token.getBytes(StandardCharsets.UTF_8)));
      List<Path> files = new ArrayList<>(List.of(log, log2));
      try (Stream<Path> all = Files.walk(run)) {
        all.filter(Files::isRegularFile).forEach(files::add);
      }
      for (Path f : files) {
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        for (String form : forms) {
          assertFalse(text.contains(form), "the tracking token appears in " + f);
        }
      }
      trackedRun = run;
    }
  }

  @Test
  @Order(2)
  @SuppressWarnings("unchecked")
  void anUnreachableServerWarnsOnceAndTheRunCompletesWithTheSameFigures() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path run = tmp.resolve("closed-port");
    Path log = tmp.resolve("closed-port.log");
    long t0 = System.nanoTime();
    assertEquals(0, TinyPipeline.child(run, Map.of(), log,
        "tracking.mlflow.uri=http://127.0.0.1:" + port), () -> read(log));
    System.out.printf("MlflowTrackingIT: pipeline with tracking at a closed port: %.1f s%n",
        (System.nanoTime() - t0) / 1e9);
    String text = read(log);
    assertEquals(1, text.lines().filter(l -> l.contains("MLflow tracking at")).count(), text);
    assertTrue(text.contains("pipeline complete"), text);
    for (String output : List.of("prepare", "sft", "align/caid/iteration-1", "align/caid",
        "evaluate", "report")) {
      Map<String, Object> status = (Map<String, Object>) json(run.resolve(output)
          .resolve("_SUCCESS.json")).get("tracking");
      assertEquals(false, status.get("complete"), output + ": " + status);
      assertTrue(String.valueOf(status.get("problem")).contains("127.0.0.1:" + port), output
          + ": " + status);
    }

    Path reference = trackedRun;
    if (reference == null) { // no server for the first test: compare with an untracked run
      reference = tmp.resolve("untracked");
      TinyPipeline.run(reference);
    }
    for (String output : List.of("solve-dual", "align/caid", "align/oneshot", "evaluate")) {
      Map<String, Object> a = figures(json(reference.resolve(output).resolve("_SUCCESS.json")));
      Map<String, Object> b = figures(json(run.resolve(output).resolve("_SUCCESS.json")));
      assertFalse(a.isEmpty(), output);
      assertEquals(a.keySet(), b.keySet(), output);
      a.forEach((k, v) -> {
        double x = ((Number) v).doubleValue();
        double y = ((Number) b.get(k)).doubleValue();
        assertTrue(x == y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)),
            output + " " + k + ": " + x + " with tracking, " + y + " at a closed port");
      });
    }
  }

  /** The numbers of a marker (flattened), without timings, throughput and seeds of data order. */
  static Map<String, Object> figures(Map<String, Object> marker) {
    Map<String, Object> out = new java.util.TreeMap<>();
    flatten("", marker, out);
    out.keySet().removeIf(k -> k.contains("seconds") || k.contains("per_second")
        || k.contains("tracking") || k.contains("history"));
    return out;
  }

  private static void flatten(String prefix, Object v, Map<String, Object> out) {
    if (v instanceof Map<?, ?> m) {
      m.forEach((k, x) -> flatten(prefix + k + ".", x, out));
    } else if (v instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        flatten(prefix + i + ".", l.get(i), out);
      }
    } else if (v instanceof Number) {
      out.put(prefix.substring(0, prefix.length() - 1), v);
    }
  }

  private static List<Metric> sorted(List<Metric> m) {
    List<Metric> s = new ArrayList<>(m);
    s.sort(Comparator.comparingLong(Metric::step));
    return s;
  }

  private static Map<String, String> keyValues(Object list) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Object o : (List<?>) list) {
      Map<?, ?> e = (Map<?, ?>) o;
      m.put(String.valueOf(e.get("key")), String.valueOf(e.get("value")));
    }
    return m;
  }

  private static Map<String, Object> json(Path p) throws Exception {
    return Json.readMap(Files.readAllBytes(p));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
