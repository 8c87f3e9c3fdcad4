package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.testing.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark authentication and encryption across real executor JVMs, as the standalone template sets
 * them: a standalone cluster (Master + 2 Workers) whose daemons share a secret, RPC encrypted
 * ({@code spark.network.crypto.enabled}) and, for the application, shuffle and spill files
 * encrypted ({@code spark.io.encryption.enabled}). {@code doctor} submitted with the same secret
 * runs on both executors (which log that authentication is on) and leaves the secret nowhere in
 * its output or the run directory; a submission with a wrong secret is refused by the Master (its
 * authentication handshake fails) and fails with one line naming the master and the likely cause
 * (the secret), without running anything.
 */
class SecureClusterIT {
  private static final String SECRET =
      "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
  private static final String WRONG =
      "0badbad0badbad0badbad0badbad0badbad0badbad0badbad0badbad0badbad0";

  @Test
  void theRightSecretRunsOnBothExecutorsAndAWrongOneIsRefused(@TempDir Path tmp)
      throws Exception {
    Path good = StandaloneCluster.securityProperties(tmp.resolve("good.properties"), SECRET);
    Files.writeString(good, Files.readString(good) + "spark.io.encryption.enabled true\n");
    Path bad = StandaloneCluster.securityProperties(tmp.resolve("bad.properties"), WRONG);
    try (StandaloneCluster cluster = StandaloneCluster.startSecured(2, "2g", SECRET)) {
      Path run = tmp.resolve("run");
      StandaloneCluster.Submission ok = cluster.submit(StandaloneCluster.fatJar(), good, Map.of(),
          Duration.ofMinutes(5), "doctor", "--run-dir", run.toString());
      assertEquals(0, ok.exitCode(), () -> "doctor failed on the secured cluster:\n"
          + ok.stdout() + "\n" + ok.stderr());
      assertTrue(ok.stdout().contains("OK    executors 2 answered"), ok.stdout());
      assertTrue(ok.stdout().contains("doctor: all OK"), ok.stdout());
      List<Path> executorLogs;
      try (Stream<Path> files = Files.walk(cluster.home())) {
        executorLogs = files.filter(p -> p.getFileName().toString().equals("stderr")).toList();
      }
      assertEquals(2, executorLogs.size(), () -> "executor logs: " + executorLogs);
      for (Path log : executorLogs) {
        String text = Files.readString(log);
        assertTrue(text.contains("authentication enabled"), () -> log + ":\n" + text);
        assertFalse(text.contains(SECRET), log + " holds the secret");
      }
      assertFalse(ok.stdout().contains(SECRET) || ok.stderr().contains(SECRET),
          "the secret is in the driver's output");
      // doctor removes a run directory it created only to probe it; check whatever it left.
      try (Stream<Path> files = Files.exists(run) ? Files.walk(run) : Stream.empty()) {
        for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          assertFalse(new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1)
              .contains(SECRET), p + " holds the secret");
        }
      }

      Path refusedRun = tmp.resolve("refused");
      StandaloneCluster.Submission no = cluster.submit(StandaloneCluster.fatJar(), bad, Map.of(),
          Duration.ofMinutes(5), "doctor", "--run-dir", refusedRun.toString());
      String all = no.stdout() + "\n" + no.stderr();
      assertNotEquals(0, no.exitCode(), all);
      assertTrue(all.contains("All masters are unresponsive"), all);
      assertTrue(all.contains("dualign doctor failed: java.lang.IllegalStateException: Spark could "
          + "not start on " + cluster.masterUrl() + ": the master did not accept the application"),
          all);
      assertTrue(all.contains("Check the master URL and that spark.authenticate.secret is the "
          + "secret the master and workers use"), all);
      assertFalse(all.contains("OK    executors"), all);
      String master = Files.readString(cluster.home().resolve("master.err"));
      System.out.println("wrong secret, driver says: " + all.lines().filter(
          l -> l.contains("masters are unresponsive") || l.contains("FAIL")
              || l.contains("Failed to connect")).distinct().limit(6).toList()
          + "\nmaster says: " + master.lines().filter(l -> l.contains("uth")
              || l.contains("SASL") || l.contains("ecret")).distinct().limit(6).toList());
    }
  }
}
