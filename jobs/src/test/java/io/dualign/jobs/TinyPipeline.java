package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code TinyPipeline} runs {@code dualign pipeline} in process on {@code local[2]} with the tiny
 * profile shrunk as {@link PipelineClusterIT#SETTINGS} (about a minute on 2 cores): the run
 * directory that tests of what reads a run (notebooks, tracking) work on.
 */
final class TinyPipeline {
  private TinyPipeline() {}

  /** The command's arguments for {@code runDir} with {@code sets} added. */
  static List<String> args(Path runDir, String... sets) {
    List<String> args = new ArrayList<>(List.of("pipeline", "--profile", "tiny", "--run-dir",
        runDir.toString(), "--master", "local[2]"));
    for (String s : PipelineClusterIT.SETTINGS) {
      args.add("--set");
      args.add(s);
    }
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    return args;
  }

  /** Runs (or resumes) the pipeline in {@code runDir} with {@code sets} added; asserts exit 0. */
  static DualignCliTest.Run run(Path runDir, String... sets) {
    DualignCliTest.Run r = DualignCliTest.dualign(args(runDir, sets).toArray(new String[0]));
    assertEquals(0, r.code(), () -> "pipeline failed:\n" + r.out() + "\n" + r.err());
    return r;
  }

  /**
   * Runs the pipeline in a child JVM (this JVM's flags and classpath, dualign's log4j2
   * configuration) with {@code env} added to its environment, its output and log going to
   * {@code log}; returns the exit code.
   */
  static int child(Path runDir, Map<String, String> env, Path log, String... sets)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")
          && !a.startsWith("-Dlog4j2.configurationFile")) {
        cmd.add(a);
      }
    }
    cmd.add("-Dlog4j2.configurationFile="
        + ProjectFiles.root().resolve("conf/log4j2.properties"));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Dualign.class.getName()));
    cmd.addAll(args(runDir, sets));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(15, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("pipeline did not finish in 15 minutes:\n" + Files.readString(log));
    }
    return p.exitValue();
  }
}
