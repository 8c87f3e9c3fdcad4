package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.testing.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submits the fat jar's {@code doctor} to a real standalone cluster (Master + 2 Workers, one fake
 * GPU each) with SparkSubmit: the probe job must run on two distinct executors, each with its own
 * GPU address, and load the DJL PyTorch engine on each (computing on CPU: no CUDA here).
 */
class StandaloneClusterIT {

  @Test
  void doctorRunsOnTwoExecutorsWithDistinctGpus(@TempDir Path runRoot) throws Exception {
    try (StandaloneCluster cluster = StandaloneCluster.start(2, "2g")) {
      StandaloneCluster.Submission s = cluster.submit(StandaloneCluster.fatJar(), Map.of(),
          Duration.ofMinutes(4), "doctor", "--run-dir", runRoot.resolve("run").toString());
      String out = s.stdout();
      assertEquals(0, s.exitCode(), () -> "doctor failed on the cluster:\n" + out + "\n"
          + s.stderr());
      assertTrue(out.contains("master " + cluster.masterUrl()), out);
      Matcher executors = Pattern.compile(
          "executor (\\S+) on 127\\.0\\.0\\.1: (\\d+) tasks, gpu addresses \\[(\\d+)\\], PyTorch 2\\.7\\.1")
          .matcher(out);
      Set<String> ids = new TreeSet<>();
      Set<String> gpus = new TreeSet<>();
      int tasks = 0;
      while (executors.find()) {
        ids.add(executors.group(1));
        tasks += Integer.parseInt(executors.group(2));
        gpus.add(executors.group(3));
      }
      assertEquals(2, ids.size(), () -> "expected 2 executors in:\n" + out);
      assertEquals(Set.of("0", "1"), gpus, out);
      assertTrue(tasks >= 4, out);
      assertTrue(out.contains("OK    executors 2 answered"), out);
      assertTrue(out.contains("doctor: all OK"), out);
      // The executors' own logs show they were launched by the two Workers.
      List<Path> executorLogs;
      try (var files = Files.walk(cluster.home())) {
        executorLogs = files.filter(p -> p.getFileName().toString().equals("stderr")).toList();
      }
      assertEquals(2, executorLogs.size(), () -> "executor logs: " + executorLogs);
    }
  }
}
