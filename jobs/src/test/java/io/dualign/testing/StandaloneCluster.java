package io.dualign.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code StandaloneCluster} is a real Spark standalone cluster on this machine for integration
 * tests: one Master and N Workers, each its own JVM started from the Maven classpath (no Spark
 * distribution: a SPARK_HOME whose {@code jars/} links to Spark's runtime jars), loopback only,
 * each Worker offering one fake GPU with a distinct address through a discovery script. Jobs are
 * submitted with {@code SparkSubmit} in their own JVM. {@link #close} stops every process it
 * started, by PID, with their descendants (executors), also when a test fails.
 *
 * <p>Needs {@code jobs/target/spark-classpath.txt} and the fat jar (the {@code package} phase),
 * so it is for failsafe {@code *IT} tests.
 */
public final class StandaloneCluster implements AutoCloseable {
  private static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(180);

  private final Path home;
  private final List<String> sparkClasspath;
  private final List<String> jvmFlags;
  private final List<Process> processes = new ArrayList<>();
  private final int masterPort;
  private final int masterUiPort;
  private final int workers;
  /** Spark properties of the Master and the Workers (the shared secret when secured), or null. */
  private Path daemonProperties;

  private StandaloneCluster(Path home, List<String> sparkClasspath, List<String> jvmFlags,
      int workers) throws IOException {
    this.home = home;
    this.sparkClasspath = sparkClasspath;
    this.jvmFlags = jvmFlags;
    this.workers = workers;
    this.masterPort = freePort();
    this.masterUiPort = freePort();
  }

  /**
   * Starts a Master and {@code workers} Workers (1 core, {@code workerMemory} each, one fake GPU
   * each with addresses "0", "1", ...) and waits until every Worker is registered.
   */
  public static StandaloneCluster start(int workers, String workerMemory) throws Exception {
    return start(workers, workerMemory, null);
  }

  /**
   * As {@link #start(int, String)}, with Spark authentication and AES-encrypted RPC on the
   * Master, the Workers and the executors they launch, all sharing {@code secret} (given to
   * each daemon in a properties file of mode 0600, as the standalone template says). Submit to it
   * with {@link #securityProperties} holding the application's secret.
   */
  public static StandaloneCluster startSecured(int workers, String workerMemory, String secret)
      throws Exception {
    return start(workers, workerMemory, secret);
  }

  private static StandaloneCluster start(int workers, String workerMemory, String secret)
      throws Exception {
    Path home = Files.createTempDirectory(Paths.get(targetDir()), "spark-home-");
    StandaloneCluster c = new StandaloneCluster(home, readSparkClasspath(), jvmFlags(), workers);
    try {
      if (secret != null) {
        c.daemonProperties = securityProperties(home.resolve("daemon-auth.properties"), secret);
      }
      c.linkJars();
      c.startMaster();
      for (int i = 0; i < workers; i++) {
        c.startWorker(i, workerMemory);
      }
      c.awaitWorkers();
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  /**
   * Writes a properties file (mode 0600) turning on {@code spark.authenticate} with
   * {@code secret} and AES-based RPC encryption ({@code spark.network.crypto.enabled}); for the
   * daemons and for {@code spark-submit --properties-file}.
   */
  public static Path securityProperties(Path file, String secret) throws IOException {
    Files.writeString(file, "spark.authenticate true\n"
        + "spark.authenticate.secret " + secret + "\n"
        + "spark.network.crypto.enabled true\n");
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions
        .fromString("rw-------"));
    return file;
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  public Path home() {
    return home;
  }

  /** The result of one submitted application. */
  public record Submission(int exitCode, String stdout, String stderr) {}

  /**
   * Submits the fat jar with {@code SparkSubmit} (client mode, own JVM) and waits for it.
   *
   * @param sparkConf extra {@code --conf} entries
   * @param args the dualign command's arguments (stage and options)
   */
  public Submission submit(Path fatJar, Map<String, String> sparkConf, Duration timeout,
      String... args) throws Exception {
    return submit(fatJar, null, sparkConf, timeout, args);
  }

  /**
   * As {@link #submit(Path, Map, Duration, String...)}, with {@code spark-submit
   * --properties-file propertiesFile} (e.g. {@link #securityProperties}) when not null.
   */
  public Submission submit(Path fatJar, Path propertiesFile, Map<String, String> sparkConf,
      Duration timeout, String... args) throws Exception {
    List<String> cmd = java();
    cmd.add("-Dlog4j2.configurationFile=" + confDir().resolve("log4j2.properties"));
    cmd.addAll(List.of("-cp", String.join(File.pathSeparator, sparkClasspath),
        "org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
        "--deploy-mode", "client", "--class", "io.dualign.jobs.Dualign",
        "--conf", "spark.executor.extraJavaOptions=" + String.join(" ", jvmFlags),
        "--conf", "spark.executor.memory=1g",
        "--conf", "spark.executor.cores=1",
        "--conf", "spark.cores.max=" + workers,
        // Wait until every executor is registered before the first job (Spark's own mechanism).
        "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
        "--conf", "spark.scheduler.maxRegisteredResourcesWaitingTime=120s",
        "--conf", "spark.executor.resource.gpu.amount=1",
        "--conf", "spark.task.resource.gpu.amount=1",
        "--conf", "spark.ui.enabled=false"));
    for (Map.Entry<String, String> e : sparkConf.entrySet()) {
      cmd.addAll(List.of("--conf", e.getKey() + "=" + e.getValue()));
    }
    if (propertiesFile != null) {
      cmd.addAll(List.of("--properties-file", propertiesFile.toString()));
    }
    cmd.add(fatJar.toString());
    cmd.addAll(Arrays.asList(args));
    Path out = Files.createTempFile(home, "submit-", ".out");
    Path err = Files.createTempFile(home, "submit-", ".err");
    Process p = start(cmd, out, err);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill(p);
      throw new AssertionError("SparkSubmit did not finish in " + timeout + "; stderr: "
          + tail(err));
    }
    processes.remove(p);
    return new Submission(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private void linkJars() throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : sparkClasspath) {
      Path jar = Paths.get(entry);
      Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
    }
  }

  private void startMaster() throws IOException {
    List<String> cmd = java();
    cmd.addAll(List.of("-cp", String.join(File.pathSeparator, sparkClasspath),
        "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
        "--port", Integer.toString(masterPort), "--webui-port", Integer.toString(masterUiPort)));
    if (daemonProperties != null) {
      cmd.addAll(List.of("--properties-file", daemonProperties.toString()));
    }
    start(cmd, home.resolve("master.out"), home.resolve("master.err"));
  }

  private void startWorker(int index, String memory) throws IOException {
    Path script = home.resolve("gpu-discovery-" + index + ".sh");
    Files.writeString(script, "#!/usr/bin/env bash\necho '{\"name\":\"gpu\",\"addresses\":[\""
        + index + "\"]}'\n");
    script.toFile().setExecutable(true);
    Path props = home.resolve("worker-" + index + ".conf");
    Files.writeString(props, "spark.worker.resource.gpu.amount 1\n"
        + "spark.worker.resource.gpu.discoveryScript " + script + "\n"
        + (daemonProperties == null ? "" : Files.readString(daemonProperties)));
    if (daemonProperties != null) {
      Files.setPosixFilePermissions(props, java.nio.file.attribute.PosixFilePermissions
          .fromString("rw-------"));
    }
    List<String> cmd = java();
    cmd.addAll(List.of("-cp", String.join(File.pathSeparator, sparkClasspath),
        "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
        "--cores", "1", "--memory", memory, "--webui-port", Integer.toString(freePort()),
        "--work-dir", home.resolve("work-" + index).toString(),
        "--properties-file", props.toString(), masterUrl()));
    start(cmd, home.resolve("worker-" + index + ".out"), home.resolve("worker-" + index + ".err"));
  }

  /** Polls the Master's JSON endpoint until every Worker is ALIVE. */
  private void awaitWorkers() throws Exception {
    long deadline = System.nanoTime() + REGISTER_TIMEOUT.toNanos();
    Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    String last = "";
    while (System.nanoTime() < deadline) {
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a cluster process exited with " + p.exitValue()
              + "; logs in " + home);
        }
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(
            "http://127.0.0.1:" + masterUiPort + "/json/").toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(2000);
        last = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = alive.matcher(last);
        if (m.find() && Integer.parseInt(m.group(1)) >= workers) {
          return;
        }
      } catch (IOException notYet) {
        // Master UI not up yet.
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("workers did not register in " + REGISTER_TIMEOUT
        + "; master said: " + last + "; logs in " + home);
  }

  private Process start(List<String> cmd, Path out, Path err) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOG_DIR", home.toString());
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  private List<String> java() {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmFlags);
    cmd.add("-Xmx1g");
    return cmd;
  }

  /** Stops every process this cluster started (and their children), by PID. */
  @Override
  public void close() {
    List<Process> all = new ArrayList<>(processes);
    java.util.Collections.reverse(all);
    for (Process p : all) {
      kill(p);
    }
    processes.clear();
  }

  private static void kill(Process p) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroy();
    children.forEach(ProcessHandle::destroy);
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private static String tail(Path p) throws IOException {
    String s = Files.readString(p);
    return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Directory of the jobs module's build output. */
  static String targetDir() {
    Path jar = fatJar();
    return jar.getParent().toString();
  }

  /** The fat jar built by the package phase (failsafe passes its path). */
  public static Path fatJar() {
    String p = System.getProperty("dualign.fatJar", "target/dualign.jar");
    Path jar = Paths.get(p).toAbsolutePath();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("fat jar " + jar + " is missing: run mvn verify");
    }
    return jar;
  }

  /** The repository's conf/ folder. */
  public static Path confDir() {
    return fatJar().getParent().getParent().getParent().resolve("conf");
  }

  private static List<String> readSparkClasspath() {
    Path cp = fatJar().getParent().resolve("spark-classpath.txt");
    try {
      String s = Files.readString(cp).trim();
      return List.of(s.split(File.pathSeparator));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + cp, e);
    }
  }

  private static List<String> jvmFlags() {
    Path flags = fatJar().getParent().resolve("launcher").resolve("jvm-flags.txt");
    try {
      return List.of(Files.readString(flags).trim().split("\\s+"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + flags, e);
    }
  }
}
