package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualign.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * Checks what can be checked of the deployment files without a Docker engine or a cluster: the
 * compose file parses and points at files that exist, the image runs a real dualign stage, the
 * Dockerfile pins the pom's versions, and every spark-defaults template carries the pom's JVM
 * flags, offline mode, consistent GPU sizing, the security settings and no secret value.
 */
class DeploymentFilesTest {
  /** Spark's default spark.redaction.regex: keys it treats as secrets. */
  private static final Pattern SECRET_KEY = Pattern.compile("(?i)secret|password|token|access[.]?key");
  private static final Pattern SECRET_LOOKING =
      Pattern.compile("[0-9a-fA-F]{32,}|[A-Za-z0-9+]{40,}={0,2}");

  private final Path root = ProjectFiles.root();

  // ---------------------------------------------------------------- compose

  @SuppressWarnings("unchecked")
  private Map<String, Object> compose() throws IOException {
    Object doc = new Yaml().load(Files.readString(root.resolve("docker/compose.yaml")));
    assertTrue(doc instanceof Map, "compose.yaml is not a mapping: " + doc);
    return (Map<String, Object>) doc;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o, String what) {
    assertTrue(o instanceof Map, what + " is not a mapping: " + o);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o, String what) {
    assertTrue(o instanceof List, what + " is not a list: " + o);
    return (List<Object>) o;
  }

  @Test
  void composeDescribesAMasterAndTwoWorkersWithOneGpuEach() throws IOException {
    Map<String, Object> services = map(compose().get("services"), "services");
    assertEquals(Set.of("master", "worker-1", "worker-2", "submit"), services.keySet());
    assertEquals(List.of("master"), map(services.get("master"), "master").get("command"));

    Set<String> gpuIds = new HashSet<>();
    for (String name : List.of("worker-1", "worker-2")) {
      Map<String, Object> w = map(services.get(name), name);
      assertEquals(List.of("worker", "spark://master:7077"), w.get("command"), name);
      Map<String, Object> env = map(w.get("environment"), name + ".environment");
      assertEquals("1", env.get("DUALIGN_WORKER_GPUS"), name);
      List<Object> devices = list(map(map(map(w.get("deploy"), name + ".deploy")
          .get("resources"), "resources").get("reservations"), "reservations")
          .get("devices"), "devices");
      assertEquals(1, devices.size(), name + " reserves one device entry");
      Map<String, Object> dev = map(devices.get(0), "device");
      assertEquals("nvidia", dev.get("driver"), name);
      assertEquals(List.of("gpu"), dev.get("capabilities"), name);
      List<Object> ids = list(dev.get("device_ids"), "device_ids");
      assertEquals(1, ids.size(), name + " gets exactly one GPU");
      assertTrue(gpuIds.add(String.valueOf(ids.get(0))), name + " shares a GPU with another worker");
      assertTrue(list(w.get("volumes"), "volumes").contains("runs:/runs"), name + " mounts the runs volume");
    }
    Map<String, Object> submit = map(services.get("submit"), "submit");
    assertTrue(list(submit.get("volumes"), "volumes").contains("runs:/runs"),
        "the driver sees the same run directories as the executors");
    for (String name : services.keySet()) {
      Map<String, Object> s = map(services.get(name), name);
      assertEquals("/run/secrets/spark_auth",
          map(s.get("environment"), name + ".environment").get("DUALIGN_SPARK_SECRET_FILE"), name);
      assertEquals(List.of("spark_auth"), s.get("secrets"), name);
      assertEquals("dualign:0.1.0-gpu", s.get("image"), name + " runs the dualign image");
    }
  }

  @Test
  void everyPathTheComposeFileReferencesExists() throws Exception {
    Map<String, Object> doc = compose();
    Path dockerDir = root.resolve("docker");
    Map<String, Object> build = map(map(map(doc.get("services"), "services").get("master"),
        "master").get("build"), "build");
    Path context = dockerDir.resolve((String) build.get("context")).normalize();
    assertEquals(root, context, "the build context is the repository root");
    assertTrue(Files.isRegularFile(context.resolve((String) build.get("dockerfile"))));

    Set<String> namedVolumes = map(doc.get("volumes"), "volumes").keySet();
    for (Map.Entry<String, Object> e : map(doc.get("services"), "services").entrySet()) {
      Object volumes = map(e.getValue(), e.getKey()).get("volumes");
      for (Object v : volumes == null ? List.of() : list(volumes, "volumes")) {
        String source = String.valueOf(v).split(":")[0];
        assertTrue(namedVolumes.contains(source) || Files.exists(dockerDir.resolve(source)),
            e.getKey() + " mounts " + source + ", neither a declared volume nor a path in docker/");
      }
    }

    // The secret file is made by docker/make-secret.sh (never committed): run it in a copy of
    // docker/ and check it writes the file compose references, in the form Spark reads.
    String secretFile = (String) map(map(doc.get("secrets"), "secrets").get("spark_auth"),
        "spark_auth").get("file");
    Path copy = Files.createTempDirectory("dualign-docker");
    Files.copy(dockerDir.resolve("make-secret.sh"), copy.resolve("make-secret.sh"));
    Process p = new ProcessBuilder("/bin/bash", copy.resolve("make-secret.sh").toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    Path made = copy.resolve(secretFile).normalize();
    assertTrue(Files.isRegularFile(made), "make-secret.sh did not write " + secretFile + ": " + out);
    String line = Files.readString(made);
    assertTrue(line.matches("spark\\.authenticate\\.secret [0-9a-f]{64}\n"), "secret file: " + line.length() + " chars");
    assertEquals("spark.authenticate.secret", ProjectFiles.sparkProperties(made).stringPropertyNames()
        .iterator().next(), "Spark reads the file as one property");
    Process again = new ProcessBuilder("/bin/bash", copy.resolve("make-secret.sh").toString()).start();
    assertEquals(1, again.waitFor(), "make-secret.sh must refuse to overwrite a secret");
    assertEquals(line, Files.readString(made));
    assertTrue(Files.readString(root.resolve(".gitignore")).lines().anyMatch("docker/secrets/"::equals),
        "docker/secrets/ must be ignored by git");
  }

  // ---------------------------------------------------------------- Dockerfile

  /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
  private List<String> dockerfile() throws IOException {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Files.readAllLines(root.resolve("docker/Dockerfile"))) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      if (current.length() > 0) {
        instructions.add(current.toString().strip());
      }
      current.setLength(0);
    }
    return instructions;
  }

  @Test
  void dockerfilePinsThePomVersions() throws IOException {
    Map<String, Set<String>> args = new HashMap<>();
    for (String ins : dockerfile()) {
      Matcher m = Pattern.compile("ARG (\\w+)=(\\S+)").matcher(ins);
      if (m.matches()) {
        args.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(m.group(2));
      }
    }
    assertEquals(Set.of(ProjectFiles.pomProperty("spark.version")), args.get("SPARK_VERSION"));
    assertEquals(Set.of(ProjectFiles.pomProperty("scala.binary.version")),
        args.get("SCALA_BINARY_VERSION"));
    assertEquals(Set.of(ProjectFiles.pomProperty("djl.version")), args.get("DJL_VERSION"));
    assertEquals(Set.of(ProjectFiles.pomProperty("pytorch.version")), args.get("PYTORCH_VERSION"));
    Set<String> flavor = args.get("PYTORCH_FLAVOR");
    assertNotNull(flavor, "Dockerfile has no PYTORCH_FLAVOR");
    assertEquals(1, flavor.size(), "both stages use one flavor: " + flavor);
    String jni = "jnilib/linux-x86_64/" + flavor.iterator().next() + "/libdjl_torch.so";
    assertNotNull(getClass().getClassLoader().getResource(jni),
        "the pom's pytorch-jni has no " + jni + ": DJL could not load the image's CUDA natives");
  }

  @Test
  void dockerfileCopiesOnlyFilesThatExistOrThatTheBuildMakes() throws IOException {
    String ignore = Files.readString(root.resolve("docker/Dockerfile.dockerignore"));
    List<String> allowed = ignore.lines().filter(l -> l.startsWith("!"))
        .map(l -> l.substring(1)).toList();
    assertTrue(ignore.lines().anyMatch("*"::equals), "the .dockerignore starts from nothing");
    String jobsPom = Files.readString(root.resolve("jobs/pom.xml"));
    int copies = 0;
    for (String ins : dockerfile()) {
      if (!ins.startsWith("COPY ")) {
        continue;
      }
      List<String> words = new ArrayList<>(List.of(ins.substring(5).trim().split("\\s+")));
      if (words.stream().anyMatch(w -> w.startsWith("--from="))) {
        continue; // from the fetch stage
      }
      words.removeIf(w -> w.startsWith("--"));
      for (String src : words.subList(0, words.size() - 1)) {
        copies++;
        if (src.equals("jobs/target/dualign.jar")) {
          assertTrue(jobsPom.contains("<finalName>dualign</finalName>"), "the shade plugin makes " + src);
        } else if (src.startsWith("jobs/target/launcher/")) {
          assertTrue(Files.isRegularFile(root.resolve("jobs/src/launcher")
              .resolve(src.substring("jobs/target/launcher/".length()))), "no source for " + src);
        } else {
          assertTrue(Files.exists(root.resolve(src)), "Dockerfile copies " + src + ", which does not exist");
        }
        assertTrue(allowed.stream().anyMatch(a -> src.equals(a) || src.startsWith(a)),
            src + " is excluded from the build context by docker/Dockerfile.dockerignore");
      }
    }
    assertTrue(copies >= 8, "found only " + copies + " COPY sources");
  }

  @Test
  void theImageAndTheComposeDriverRunARealDualignStage() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> cmd = null;
    List<String> entrypoint = null;
    for (String ins : dockerfile()) {
      if (ins.startsWith("CMD ")) {
        cmd = List.of(json.readValue(ins.substring(4), String[].class));
      } else if (ins.startsWith("ENTRYPOINT ")) {
        entrypoint = List.of(json.readValue(ins.substring(11), String[].class));
      }
    }
    assertEquals(List.of("/opt/dualign/bin/entrypoint.sh"), entrypoint);
    assertNotNull(cmd);
    assertEquals("submit", cmd.get(0), "the image's default command submits the dualign command");
    assertParsesAsDualign(cmd.subList(1, cmd.size()));
    assertEquals("demo", cmd.get(1));

    Map<String, Object> submit = map(map(compose().get("services"), "services").get("submit"), "submit");
    @SuppressWarnings("unchecked")
    List<String> svcEntrypoint = (List<String>) submit.get("entrypoint");
    assertEquals(List.of("/opt/dualign/bin/entrypoint.sh", "submit"), svcEntrypoint);
    @SuppressWarnings("unchecked")
    List<String> svcCommand = (List<String>) submit.get("command");
    assertParsesAsDualign(svcCommand);
    assertEquals("demo", svcCommand.get(0));
  }

  /** The arguments name a registered subcommand and parse with its options (nothing runs). */
  private static void assertParsesAsDualign(List<String> args) {
    CommandLine cl = Dualign.commandLine();
    assertTrue(cl.getSubcommands().containsKey(args.get(0)),
        args.get(0) + " is not a dualign stage; stages: " + cl.getSubcommands().keySet());
    try {
      CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new));
      assertEquals(args.get(0), parsed.subcommand().commandSpec().name());
    } catch (CommandLine.ParameterException e) {
      fail("dualign rejects " + args + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- spark-defaults templates

  @Test
  void everyTemplateCarriesThePomJvmFlagsAndOfflineModeOnDriverAndExecutors() {
    String flags = ProjectFiles.pomProperty("dualign.jvm.flags");
    assertTrue(flags.startsWith("-XX:+IgnoreUnrecognizedVMOptions "), flags);
    assertTrue(flags.contains("-Dai.djl.offline=true"), flags);
    int threadsPerTask = ConfigLoader.fromClasspath().load("gpu-7b", null, List.of())
        .runtime().djlThreadsPerTask();
    for (String cm : ProjectFiles.CLUSTER_MANAGERS) {
      Properties p = ProjectFiles.sparkProperties(ProjectFiles.template(cm));
      for (String side : List.of("driver", "executor")) {
        String opts = p.getProperty("spark." + side + ".extraJavaOptions");
        assertNotNull(opts, cm + ": no spark." + side + ".extraJavaOptions");
        assertTrue(opts.equals(flags) || opts.startsWith(flags + " "),
            cm + " " + side + " options do not start with the pom's dualign.jvm.flags: " + opts);
      }
      String executor = p.getProperty("spark.executor.extraJavaOptions");
      Matcher threads = Pattern.compile("-Dai\\.djl\\.pytorch\\.num_threads=(\\d+)").matcher(executor);
      assertTrue(threads.find(), cm + ": executors do not set DJL's PyTorch threads");
      assertEquals(Integer.parseInt(p.getProperty("spark.task.cpus")), Integer.parseInt(threads.group(1)),
          cm + ": PyTorch threads per task must equal spark.task.cpus");
      assertEquals(threadsPerTask, Integer.parseInt(threads.group(1)),
          cm + ": threads per task differ from conf/profiles/gpu-7b.conf runtime.djlThreadsPerTask");
    }
  }

  @Test
  void everyTemplateSizesExecutorsPerGpuConsistently() {
    for (String cm : ProjectFiles.CLUSTER_MANAGERS) {
      Properties p = ProjectFiles.sparkProperties(ProjectFiles.template(cm));
      int cores = Integer.parseInt(p.getProperty("spark.executor.cores"));
      int taskCpus = Integer.parseInt(p.getProperty("spark.task.cpus"));
      double gpus = Double.parseDouble(p.getProperty("spark.executor.resource.gpu.amount"));
      double taskGpu = Double.parseDouble(p.getProperty("spark.task.resource.gpu.amount"));
      assertTrue(gpus >= 1 && taskGpu > 0 && taskGpu <= 1, cm + ": gpu amounts " + gpus + "/" + taskGpu);
      assertEquals(0, cores % taskCpus, cm + ": executor cores not a multiple of task cpus");
      assertEquals(cores / taskCpus, (int) Math.round(gpus / taskGpu),
          cm + ": concurrent tasks by cores (" + cores / taskCpus + ") and by GPU share ("
              + gpus / taskGpu + ") differ: cores or GPU would sit idle");
      assertEquals("false", p.getProperty("spark.speculation"), cm);
      assertNotNull(p.getProperty("spark.executor.memory"), cm);
      if (!cm.equals("standalone")) {
        assertEquals("/opt/dualign/conf/gpu-discovery.sh",
            p.getProperty("spark.executor.resource.gpu.discoveryScript"), cm);
        assertEquals("false", p.getProperty("spark.dynamicAllocation.enabled"), cm);
        assertNotNull(p.getProperty("spark.executor.memoryOverhead"), cm);
      }
    }
    assertEquals("nvidia.com", ProjectFiles.sparkProperties(ProjectFiles.template("kubernetes"))
        .getProperty("spark.executor.resource.gpu.vendor"));
  }

  @Test
  void everyTemplatePointsDjlAtTheCudaNativesOfThePomsPytorch() throws IOException {
    String pytorch = ProjectFiles.pomProperty("pytorch.version");
    String flavor = dockerfile().stream().filter(i -> i.startsWith("ARG PYTORCH_FLAVOR="))
        .map(i -> i.substring("ARG PYTORCH_FLAVOR=".length())).findFirst().orElseThrow();
    for (String cm : ProjectFiles.CLUSTER_MANAGERS) {
      Properties p = ProjectFiles.sparkProperties(ProjectFiles.template(cm));
      assertEquals(pytorch, p.getProperty("spark.executorEnv.PYTORCH_VERSION"), cm);
      assertEquals(flavor, p.getProperty("spark.executorEnv.PYTORCH_FLAVOR"), cm);
      assertTrue(p.getProperty("spark.executorEnv.PYTORCH_LIBRARY_PATH", "")
          .endsWith("pytorch/" + pytorch + "-" + flavor + "-linux-x86_64"), cm + ": library path "
          + p.getProperty("spark.executorEnv.PYTORCH_LIBRARY_PATH") + " is not DJL's cache layout");
      assertNotNull(p.getProperty("spark.executorEnv.DJL_CACHE_DIR"), cm);
    }
  }

  /** The malloc tunables the launcher exports for local runs reach executors and drivers. */
  @Test
  void everyTemplateAndTheImageSetTheLaunchersMallocTunables() throws IOException {
    Matcher m = Pattern.compile("export GLIBC_TUNABLES=\"\\$\\{GLIBC_TUNABLES-([^}]+)}\"")
        .matcher(Files.readString(root.resolve("jobs/bin/dualign")));
    assertTrue(m.find(), "jobs/bin/dualign exports no default GLIBC_TUNABLES");
    String value = m.group(1);
    assertTrue(value.contains("glibc.malloc.hugetlb=1"), value);
    for (String cm : ProjectFiles.CLUSTER_MANAGERS) {
      assertEquals(value, ProjectFiles.sparkProperties(ProjectFiles.template(cm))
          .getProperty("spark.executorEnv.GLIBC_TUNABLES"), cm);
    }
    assertEquals(value, ProjectFiles.sparkProperties(ProjectFiles.template("yarn"))
        .getProperty("spark.yarn.appMasterEnv.GLIBC_TUNABLES"));
    assertEquals(value, ProjectFiles.sparkProperties(ProjectFiles.template("kubernetes"))
        .getProperty("spark.kubernetes.driverEnv.GLIBC_TUNABLES"));
    assertTrue(dockerfile().stream().anyMatch(i -> i.startsWith("ENV ")
        && (i + " ").contains(" GLIBC_TUNABLES=" + value + " ")), "the image's ENV");
  }

  @Test
  void everyTemplateEnablesAuthenticationEncryptionAndUiAcls() {
    for (String cm : ProjectFiles.CLUSTER_MANAGERS) {
      Properties p = ProjectFiles.sparkProperties(ProjectFiles.template(cm));
      for (String key : List.of("spark.authenticate", "spark.network.crypto.enabled",
          "spark.io.encryption.enabled", "spark.acls.enable")) {
        assertEquals("true", p.getProperty(key), cm + ": " + key);
      }
      assertFalse(p.getProperty("spark.admin.acls", "").isBlank(), cm + ": no admin ACL");
    }
  }

  @Test
  void noDeploymentFileHoldsASecretValue() throws IOException {
    List<Path> files = new ArrayList<>();
    ProjectFiles.CLUSTER_MANAGERS.forEach(cm -> files.add(ProjectFiles.template(cm)));
    for (Path f : files) {
      Properties p = ProjectFiles.sparkProperties(f);
      assertFalse(p.containsKey("spark.authenticate.secret"), f + " sets spark.authenticate.secret");
      for (String key : p.stringPropertyNames()) {
        if (SECRET_KEY.matcher(key).find()) {
          assertTrue(p.getProperty(key).startsWith("/"),
              f + ": " + key + " must name where a secret is mounted, not hold one");
        }
      }
    }
    files.add(root.resolve("docker/compose.yaml"));
    files.add(root.resolve("docker/Dockerfile"));
    files.add(root.resolve("docker/entrypoint.sh"));
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = SECRET_LOOKING.matcher(lines.get(i).replace("-", " "));
        assertFalse(m.find(), f + ":" + (i + 1) + " holds what looks like a key: " + lines.get(i));
      }
    }
  }
}
