package io.dualign.track;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An {@code MlflowClient} talks to an MLflow tracking server through MLflow's documented REST API
 * ({@code /api/2.0/mlflow/...}, and {@code /api/2.0/mlflow-artifacts/...} for artifacts the
 * server proxies) with the JDK's HTTP client. Credentials are taken as MLflow's own clients take
 * them, from {@code MLFLOW_TRACKING_TOKEN} (a bearer token) or {@code MLFLOW_TRACKING_USERNAME}
 * and {@code MLFLOW_TRACKING_PASSWORD} (basic authentication); they go into the Authorization
 * header only, never into a message of this class.
 */
public final class MlflowClient {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** log-batch limits of the REST API: entities per request, params and tags per request. */
  static final int BATCH_ENTITIES = 1000;
  static final int BATCH_PARAMS_OR_TAGS = 100;

  private final URI base;
  private final Duration timeout;
  private final String authorization;
  private final HttpClient http;

  /** One metric value at a step; {@code timestamp} in milliseconds since the epoch. */
  public record Metric(String key, double value, long timestamp, long step) {}

  /** An MLflow server's error answer, or a request that could not be made. */
  public static final class MlflowException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String errorCode;

    MlflowException(int status, String errorCode, String message) {
      super(message);
      this.status = status;
      this.errorCode = errorCode;
    }

    public int status() {
      return status;
    }

    /** MLflow's {@code error_code} (e.g. {@code RESOURCE_DOES_NOT_EXIST}), or null. */
    public String errorCode() {
      return errorCode;
    }
  }

  /**
   * @param base the tracking server, e.g. {@code http://127.0.0.1:5000}
   * @param env the environment the credentials come from ({@code System.getenv()})
   */
  public MlflowClient(URI base, Duration timeout, Map<String, String> env) {
    String b = base.toString();
    this.base = URI.create(b.endsWith("/") ? b : b + "/");
    this.timeout = timeout;
    this.authorization = authorization(env);
    this.http = HttpClient.newBuilder().connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NORMAL).build();
  }

  /** The Authorization header value the environment gives, or null for none. */
  static String authorization(Map<String, String> env) {
    String token = env.get("MLFLOW_TRACKING_TOKEN");
    if (token != null && !token.isEmpty()) {
      return "Bearer " + token;
    }
    String user = env.get("MLFLOW_TRACKING_USERNAME");
    String password = env.get("MLFLOW_TRACKING_PASSWORD");
    if (user != null && !user.isEmpty() && password != null) {
      return "Basic " + Base64.getEncoder().encodeToString(
          (user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
    return null;
  }

  /** The id of the named experiment, which is created when it does not exist. */
  public String experimentId(String name) throws IOException {
    try {
      return (String) ((Map<?, ?>) get("mlflow/experiments/get-by-name?experiment_name="
          + enc(name)).get("experiment")).get("experiment_id");
    } catch (MlflowException e) {
      if (!"RESOURCE_DOES_NOT_EXIST".equals(e.errorCode())) {
        throw e;
      }
    }
    try {
      return (String) post("mlflow/experiments/create", Map.of("name", name)).get("experiment_id");
    } catch (MlflowException e) {
      if ("RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) { // created meanwhile
        return experimentId(name);
      }
      throw e;
    }
  }

  /** Creates a run; returns its {@code info} (run_id, artifact_uri, status, ...). */
  public Map<String, Object> createRun(String experimentId, String runName, long startTime,
      Map<String, String> tags) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("experiment_id", experimentId);
    body.put("run_name", runName);
    body.put("start_time", startTime);
    body.put("tags", keyValues(tags));
    return info(post("mlflow/runs/create", body));
  }

  /** A run: {@code info} and {@code data} (params, tags, latest metrics) as the server has them. */
  public Map<String, Object> getRun(String runId) throws IOException {
    return cast(get("mlflow/runs/get?run_id=" + enc(runId)).get("run"));
  }

  /** The ids of the runs of an experiment (up to 1000), newest first. */
  public List<String> runIds(String experimentId) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("experiment_ids", List.of(experimentId));
    body.put("max_results", 1000);
    List<String> ids = new ArrayList<>();
    Object runs = post("mlflow/runs/search", body).get("runs");
    if (runs instanceof List<?> l) {
      for (Object r : l) {
        ids.add((String) cast(cast(r).get("info")).get("run_id"));
      }
    }
    return ids;
  }

  /** Sets a run's status ({@code RUNNING}, {@code FINISHED}, {@code FAILED}, {@code KILLED}). */
  public void updateRun(String runId, String status, Long endTime) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("run_id", runId);
    body.put("status", status);
    if (endTime != null) {
      body.put("end_time", endTime);
    }
    post("mlflow/runs/update", body);
  }

  /** Logs metrics, params and tags in as many log-batch requests as the API's limits need. */
  public void logBatch(String runId, List<Metric> metrics, Map<String, String> params,
      Map<String, String> tags) throws IOException {
    List<Map<String, Object>> ps = keyValues(params);
    List<Map<String, Object>> ts = keyValues(tags);
    int m = 0;
    int p = 0;
    int t = 0;
    while (m < metrics.size() || p < ps.size() || t < ts.size()) {
      int np = Math.min(BATCH_PARAMS_OR_TAGS, ps.size() - p);
      int nt = Math.min(BATCH_PARAMS_OR_TAGS, ts.size() - t);
      int nm = Math.min(BATCH_ENTITIES - np - nt, metrics.size() - m);
      List<Map<String, Object>> ms = new ArrayList<>();
      for (Metric x : metrics.subList(m, m + nm)) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("key", x.key());
        e.put("value", x.value());
        e.put("timestamp", x.timestamp());
        e.put("step", x.step());
        ms.add(e);
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("run_id", runId);
      body.put("metrics", ms);
      body.put("params", ps.subList(p, p + np));
      body.put("tags", ts.subList(t, t + nt));
      post("mlflow/runs/log-batch", body);
      m += nm;
      p += np;
      t += nt;
    }
  }

  /** Every value a metric of a run was logged with, in the server's order. */
  public List<Metric> metricHistory(String runId, String key) throws IOException {
    Map<String, Object> r = get("mlflow/metrics/get-history?run_id=" + enc(runId)
        + "&metric_key=" + enc(key) + "&max_results=25000");
    List<Metric> out = new ArrayList<>();
    Object ms = r.get("metrics");
    if (ms instanceof List<?> l) {
      for (Object o : l) {
        Map<?, ?> e = (Map<?, ?>) o;
        out.add(new Metric((String) e.get("key"), ((Number) e.get("value")).doubleValue(),
            ((Number) e.get("timestamp")).longValue(), ((Number) e.get("step")).longValue()));
      }
    }
    return out;
  }

  /**
   * Uploads one artifact of a run through the server's artifact proxy; {@code artifactUri} is the
   * run's {@code artifact_uri}, which must be {@code mlflow-artifacts:/...} (a server started
   * with {@code --serve-artifacts}, MLflow's default).
   */
  public void uploadArtifact(String artifactUri, String path, byte[] bytes) throws IOException {
    send(HttpRequest.newBuilder(artifactUrl(artifactUri, path))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)), "upload of " + path);
  }

  /** Downloads one artifact of a run through the server's artifact proxy. */
  public byte[] downloadArtifact(String artifactUri, String path) throws IOException {
    return send(HttpRequest.newBuilder(artifactUrl(artifactUri, path)).GET(),
        "download of " + path);
  }

  private URI artifactUrl(String artifactUri, String path) throws MlflowException {
    String prefix = "mlflow-artifacts:";
    if (artifactUri == null || !artifactUri.startsWith(prefix)) {
      throw new MlflowException(0, null, "the server does not proxy this run's artifacts "
          + "(artifact_uri " + artifactUri + "; start mlflow server with --serve-artifacts)");
    }
    String root = artifactUri.substring(prefix.length()).replaceFirst("^/+", "");
    StringBuilder p = new StringBuilder("api/2.0/mlflow-artifacts/artifacts/");
    for (String seg : (root + "/" + path).split("/")) {
      if (!seg.isEmpty()) {
        p.append(enc(seg).replace("+", "%20")).append('/');
      }
    }
    p.setLength(p.length() - 1);
    return base.resolve(p.toString());
  }

  private Map<String, Object> get(String endpoint) throws IOException {
    return json(send(HttpRequest.newBuilder(base.resolve("api/2.0/" + endpoint)).GET(),
        endpoint.replaceFirst("\\?.*", "")));
  }

  private Map<String, Object> post(String endpoint, Object body) throws IOException {
    return json(send(HttpRequest.newBuilder(base.resolve("api/2.0/" + endpoint))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body))), endpoint));
  }

  private byte[] send(HttpRequest.Builder b, String what) throws IOException {
    b.timeout(timeout);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpResponse<byte[]> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MlflowException(0, null, what + " interrupted");
    } catch (IOException e) {
      throw new MlflowException(0, null, what + " at " + base + " failed: "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
    }
    if (r.statusCode() / 100 != 2) {
      String text = new String(r.body(), StandardCharsets.UTF_8);
      String code = null;
      String message = text;
      try {
        Map<String, Object> e = MAPPER.readValue(r.body(), new TypeReference<>() {});
        code = (String) e.get("error_code");
        message = String.valueOf(e.get("message"));
      } catch (IOException | ClassCastException notJson) {
        message = text.length() > 300 ? text.substring(0, 300) + "..." : text;
      }
      throw new MlflowException(r.statusCode(), code, what + " at " + base + ": HTTP "
          + r.statusCode() + (code == null ? "" : " " + code) + ": " + message);
    }
    return r.body();
  }

  private static Map<String, Object> json(byte[] body) throws IOException {
    if (body.length == 0) {
      return Map.of();
    }
    return MAPPER.readValue(body, new TypeReference<>() {});
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  private static Map<String, Object> info(Map<String, Object> runAnswer) {
    return cast(cast(runAnswer.get("run")).get("info"));
  }

  private static List<Map<String, Object>> keyValues(Map<String, String> m) {
    List<Map<String, Object>> out = new ArrayList<>();
    m.forEach((k, v) -> out.add(Map.of("key", k, "value", v)));
    return out;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
