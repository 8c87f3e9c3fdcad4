package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the image's shell scripts here, without Docker: {@code docker/entrypoint.sh} against a fake
 * Spark distribution whose spark-submit and spark-class print the command they were given, and
 * {@code docker/fetch-djl-natives.sh} against a file:// copy of DJL's publishing layout.
 */
class DockerScriptsTest {
  private static final Path ROOT = ProjectFiles.root();
  private static final String SECRET_LINE =
      "spark.authenticate.secret 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

  /** What a script printed and returned. */
  private record Run(int exit, String stdout, String stderr) {
    List<String> lines() {
      return stdout.lines().toList();
    }
  }

  private static Run run(Map<String, String> env, List<String> command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    return new Run(p.waitFor(), out, err);
  }

  private static void executable(Path file, String text) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** A fake SPARK_HOME and DUALIGN_HOME; the fake launchers print their name, args and options env. */
  private static Map<String, String> fakeImage(Path dir, boolean withSecret) throws Exception {
    String echo = "#!/bin/bash\necho \"$(basename \"$0\")\"\nfor a in \"$@\"; do echo \"$a\"; done\n"
        + "echo \"MASTER_OPTS=${SPARK_MASTER_OPTS:-}\"\necho \"WORKER_OPTS=${SPARK_WORKER_OPTS:-}\"\n"
        + "echo \"DAEMON_OPTS=${SPARK_DAEMON_JAVA_OPTS:-}\"\n";
    Path spark = dir.resolve("spark");
    executable(spark.resolve("bin/spark-submit"), echo);
    executable(spark.resolve("bin/spark-class"), echo);
    executable(spark.resolve("kubernetes/dockerfiles/spark/entrypoint.sh"), echo);
    Path home = dir.resolve("dualign");
    Files.createDirectories(home.resolve("conf"));
    Files.writeString(home.resolve("dualign.jar"), "jar");
    Files.writeString(home.resolve("jvm-flags.txt"), ProjectFiles.pomProperty("dualign.jvm.flags") + "\n");
    Path secret = dir.resolve("spark_auth");
    Files.writeString(secret, SECRET_LINE);
    Map<String, String> env = new java.util.HashMap<>(Map.of("SPARK_HOME", spark.toString(),
        "DUALIGN_HOME", home.toString(), "DUALIGN_DRIVER_HOST", "10.1.2.3"));
    if (withSecret) {
      env.put("DUALIGN_SPARK_SECRET_FILE", secret.toString());
    }
    return env;
  }

  private static List<String> entrypoint(String... args) {
    List<String> cmd = new ArrayList<>(List.of("/bin/bash", ROOT.resolve("docker/entrypoint.sh").toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  @Test
  void submitRunsTheDualignCommandThroughSparkSubmitWithTheSecretFile() throws Exception {
    Path dir = Files.createTempDirectory("image");
    Map<String, String> env = fakeImage(dir, true);
    Run r = run(env, entrypoint("submit", "demo", "--run-dir", "/runs/demo"));
    assertEquals(0, r.exit(), r.stderr());
    String flags = ProjectFiles.pomProperty("dualign.jvm.flags");
    List<String> expected = List.of("spark-submit",
        "--master", "spark://master:7077", "--deploy-mode", "client",
        "--properties-file", env.get("DUALIGN_SPARK_SECRET_FILE"), "--load-spark-defaults",
        "--conf", "spark.driver.host=10.1.2.3", "--conf", "spark.driver.bindAddress=0.0.0.0",
        "--driver-java-options", flags + " -Dlog4j2.configurationFile=" + env.get("DUALIGN_HOME")
            + "/conf/log4j2.properties",
        "--class", "io.dualign.jobs.Dualign", env.get("DUALIGN_HOME") + "/dualign.jar",
        "demo", "--run-dir", "/runs/demo");
    assertEquals(expected, r.lines().subList(0, expected.size()));
    assertFalse(r.stdout().contains("00112233445566778899"), "the secret reached a command line");
  }

  @Test
  void daemonsGetTheSecretFileGpuDiscoveryAndJvmFlags() throws Exception {
    Path dir = Files.createTempDirectory("image");
    Map<String, String> env = fakeImage(dir, true);
    String secret = env.get("DUALIGN_SPARK_SECRET_FILE");
    String flags = ProjectFiles.pomProperty("dualign.jvm.flags");

    env.put("DUALIGN_MASTER_HOST", "master");
    Run master = run(env, entrypoint("master"));
    assertEquals(0, master.exit(), master.stderr());
    assertEquals(List.of("spark-class", "org.apache.spark.deploy.master.Master", "--host", "master",
        "--port", "7077", "--webui-port", "8080", "--properties-file", secret,
        "MASTER_OPTS=-Dspark.authenticate=true -Dspark.network.crypto.enabled=true ",
        "WORKER_OPTS=", "DAEMON_OPTS=" + flags + " "), master.lines());

    Run worker = run(env, entrypoint("worker", "spark://master:7077"));
    assertEquals(0, worker.exit(), worker.stderr());
    List<String> w = worker.lines();
    assertEquals(List.of("spark-class", "org.apache.spark.deploy.worker.Worker", "--webui-port", "8081",
        "--properties-file", secret, "spark://master:7077"), w.subList(0, 7));
    assertEquals("WORKER_OPTS=-Dspark.authenticate=true -Dspark.network.crypto.enabled=true "
        + "-Dspark.worker.resource.gpu.amount=1 -Dspark.worker.resource.gpu.discoveryScript="
        + env.get("DUALIGN_HOME") + "/conf/gpu-discovery.sh ", w.get(8));
    assertFalse(worker.stdout().contains("00112233445566778899"), "the secret reached a command line");
  }

  @Test
  void kubernetesRolesGoToSparksOwnEntrypoint() throws Exception {
    Map<String, String> env = fakeImage(Files.createTempDirectory("image"), false);
    Run r = run(env, entrypoint("executor", "--x"));
    assertEquals(0, r.exit(), r.stderr());
    assertEquals(List.of("entrypoint.sh", "executor", "--x"), r.lines().subList(0, 3));
  }

  @Test
  void refusesToStartWithoutAUsableSecretFile() throws Exception {
    Path dir = Files.createTempDirectory("image");
    Map<String, String> env = fakeImage(dir, false);
    for (String role : List.of("master", "worker", "submit")) {
      Run r = role.equals("submit") ? run(env, entrypoint(role, "demo")) : run(env, entrypoint(role));
      assertEquals(2, r.exit(), role);
      assertEquals("", r.stdout(), role + " must not start Spark");
      assertTrue(r.stderr().contains("DUALIGN_SPARK_SECRET_FILE is not set"), r.stderr());
    }
    Path empty = dir.resolve("no-secret");
    Files.writeString(empty, "spark.authenticate true\n");
    env.put("DUALIGN_SPARK_SECRET_FILE", empty.toString());
    Run r = run(env, entrypoint("submit", "demo"));
    assertEquals(2, r.exit());
    assertTrue(r.stderr().contains("holds no 'spark.authenticate.secret <value>' line"), r.stderr());

    env.put("DUALIGN_SPARK_SECRET_FILE", dir.resolve("spark_auth").toString());
    Run noStage = run(env, entrypoint("submit"));
    assertEquals(2, noStage.exit());
    assertTrue(noStage.stderr().contains("submit needs a dualign stage"), noStage.stderr());
  }

  // ---------------------------------------------------------------- fetch-djl-natives.sh

  private static byte[] resource(String name) throws Exception {
    try (InputStream in = DockerScriptsTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no " + name + " on the test classpath");
      }
      return in.readAllBytes();
    }
  }

  /** A jar with DJL's real pytorch-engine.properties and cu128 JNI library from the classpath. */
  private static Path jarWithDjl(Path dir) throws Exception {
    Path jar = dir.resolve("dualign.jar");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
      for (String name : List.of("pytorch-engine.properties", "jnilib/linux-x86_64/cu128/libdjl_torch.so")) {
        z.putNextEntry(new ZipEntry(name));
        z.write(resource(name));
        z.closeEntry();
      }
    }
    return jar;
  }

  private static void gz(Path file, String content) throws Exception {
    Files.createDirectories(file.getParent());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content.getBytes());
    }
  }

  private static void assumeTools() {
    for (String tool : List.of("curl", "unzip", "gzip", "sed", "tr", "mktemp")) {
      Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin", tool))
          || Files.isExecutable(Path.of("/bin", tool)), "fetch-djl-natives.sh needs " + tool);
    }
  }

  @Test
  void fetchesOneFlavorsNativesAndTheJniIntoDjlsCacheLayout() throws Exception {
    assumeTools();
    Path dir = Files.createTempDirectory("djl-publish");
    String pytorch = ProjectFiles.pomProperty("pytorch.version");
    String djl = ProjectFiles.pomProperty("djl.version");
    Path pub = dir.resolve("publish");
    Path version = pub.resolve(pytorch);
    gz(version.resolve("cu128/linux-x86_64/native/lib/libtorch.so.gz"), "cuda torch");
    gz(version.resolve("cu128/linux-x86_64/native/lib/libc10_cuda.so.gz"), "cuda c10");
    gz(version.resolve("cu128/linux-x86_64/native/lib/libnvrtc-builtins+x.so.gz"), "nvrtc");
    gz(version.resolve("cpu/linux-x86_64/native/lib/libtorch.so.gz"), "cpu torch");
    gz(version.resolve("cu126/linux-x86_64/native/lib/libtorch.so.gz"), "older cuda");
    Files.writeString(version.resolve("files.txt"), String.join("\n",
        "cpu/linux-x86_64/native/lib/libtorch.so.gz",
        "cu126/linux-x86_64/native/lib/libtorch.so.gz",
        "cu128/linux-x86_64/native/lib/libtorch.so.gz",
        "cu128/linux-x86_64/native/lib/libc10_cuda.so.gz",
        "cu128/linux-x86_64/native/lib/libnvrtc-builtins%2Bx.so.gz") + "\n");
    Path jar = jarWithDjl(dir);
    Path cache = dir.resolve("cache");
    Map<String, String> env = Map.of("DJL_PUBLISH_URL", pub.toUri().toString().replaceAll("/$", ""),
        "PYTORCH_VERSION", pytorch, "PYTORCH_FLAVOR", "cu128");
    List<String> cmd = List.of("/bin/bash", ROOT.resolve("docker/fetch-djl-natives.sh").toString(),
        jar.toString(), cache.toString());

    Run r = run(env, cmd);
    assertEquals(0, r.exit(), r.stderr());
    Path target = cache.resolve("pytorch/" + pytorch + "-cu128-linux-x86_64");
    try (var files = Files.list(target)) {
      assertEquals(List.of(djl + "-libdjl_torch.so", "libc10_cuda.so", "libnvrtc-builtins+x.so", "libtorch.so"),
          files.map(f -> f.getFileName().toString()).sorted().toList());
    }
    assertEquals("cuda torch", Files.readString(target.resolve("libtorch.so")));
    assertArrayEquals(resource("jnilib/linux-x86_64/cu128/libdjl_torch.so"),
        Files.readAllBytes(target.resolve(djl + "-libdjl_torch.so")));
    try (var left = Files.list(cache.resolve("pytorch"))) {
      assertEquals(1, left.count(), "temporary folders left behind");
    }

    Run again = run(env, cmd);
    assertEquals(1, again.exit(), "a second fetch must not overwrite natives in use");
    assertTrue(again.stderr().contains("already holds libtorch.so"), again.stderr());
  }

  @Test
  void refusesAPytorchVersionTheJarWasNotBuiltFor() throws Exception {
    assumeTools();
    Path dir = Files.createTempDirectory("djl-publish");
    Run r = run(Map.of("DJL_PUBLISH_URL", dir.toUri().toString(), "PYTORCH_VERSION", "2.5.1"),
        List.of("/bin/bash", ROOT.resolve("docker/fetch-djl-natives.sh").toString(),
            jarWithDjl(dir).toString(), dir.resolve("cache").toString()));
    assertEquals(1, r.exit());
    assertTrue(r.stderr().contains("PYTORCH_VERSION=2.5.1 but")
        && r.stderr().contains("was built for PyTorch " + ProjectFiles.pomProperty("pytorch.version")),
        r.stderr());
    assertFalse(Files.exists(dir.resolve("cache/pytorch/2.5.1-cu128-linux-x86_64")));
  }
}
