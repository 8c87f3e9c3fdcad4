package io.dualign.jobs;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code MlflowServer} is the real MLflow tracking server of the tests: the one {@code .ci/run}
 * started ({@code DUALIGN_MLFLOW_URI}), or else one this class starts from the project's Python
 * environment ({@code .venv/bin/mlflow server} on 127.0.0.1, a free port, a SQLite backend and
 * proxied artifacts in a temporary folder) and stops by its PID. Absent both, a test fails in CI
 * and skips elsewhere ({@link ProjectVenv#unavailable}).
 */
final class MlflowServer implements AutoCloseable {
  private final URI uri;
  private final Process process;

  private MlflowServer(URI uri, Process process) {
    this.uri = uri;
    this.process = process;
  }

  URI uri() {
    return uri;
  }

  static MlflowServer require(Path tmp) throws Exception {
    String given = System.getenv("DUALIGN_MLFLOW_URI");
    if (given != null && !given.isBlank()) {
      URI u = URI.create(given);
      if (!answers(u)) {
        ProjectVenv.unavailable("DUALIGN_MLFLOW_URI = " + given + " does not answer");
      }
      return new MlflowServer(u, null);
    }
    Path mlflow = ProjectVenv.bin("mlflow");
    if (!Files.isExecutable(mlflow)) {
      ProjectVenv.unavailable("no MLflow server: DUALIGN_MLFLOW_URI is not set and " + mlflow
          + " is absent (.ci/run installs mlflow into .venv and starts one)");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path dir = Files.createDirectories(tmp.resolve("mlflow-server"));
    Process p = new ProcessBuilder(List.of(mlflow.toString(), "server", "--host", "127.0.0.1",
        "--port", String.valueOf(port), "--workers", "1", "--backend-store-uri",
        "sqlite:///" + dir.resolve("mlflow.db"), "--artifacts-destination",
        dir.resolve("artifacts").toString())).redirectErrorStream(true)
        .redirectOutput(dir.resolve("server.log").toFile()).start();
    MlflowServer server = new MlflowServer(URI.create("http://127.0.0.1:" + port), p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!answers(server.uri)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new AssertionError("mlflow server did not start:\n"
            + Files.readString(dir.resolve("server.log")));
      }
      Thread.sleep(500);
    }
    return server;
  }

  private static boolean answers(URI u) {
    try {
      HttpURLConnection c = (HttpURLConnection) u.resolve("/health").toURL().openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(2000);
      return c.getResponseCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** Stops the server this class started, by its PID and its children's. */
  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      List<ProcessHandle> children = process.descendants().toList();
      process.destroy();
      children.forEach(ProcessHandle::destroy);
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
      }
    }
  }
}
