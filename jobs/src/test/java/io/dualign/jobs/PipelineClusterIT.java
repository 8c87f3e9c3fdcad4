package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.TestSpark;
import io.dualign.run.Json;
import io.dualign.spark.RolloutTable;
import io.dualign.testing.StandaloneCluster;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole {@code pipeline} (prepare → report) on the tiny profile with CI-sized overrides
 * ({@link #SETTINGS}), run twice from the same seed and at the same time: on {@code local[2]} in a
 * child JVM, and submitted with {@code SparkSubmit} to a real standalone cluster (Master + 2
 * Workers, one fake GPU each).
 * Both must succeed; on the cluster the rollouts must have run on two executors holding GPU
 * addresses 0 and 1; and the two runs must agree: the training stages' held-out figures and model
 * versions (sha256 over the weights: equal strings mean bit-identical models), λ* and
 * the one-shot solver's figures, CAID's λ trajectory and slack estimates, and every number of
 * {@code evaluate/summary}, each within {@link #RELATIVE_TOLERANCE} (relative, with an absolute
 * floor of the same size for values near 0).
 *
 * <p>Why a tolerance and not bit-equality: every model computes in single-threaded PyTorch
 * ({@code runtime.djlThreadsPerTask=1} on both sides, applied per task) with seeded sampling and a
 * fixed partitioning, so models, samples and scores are bit-identical across JVMs; but Spark's
 * driver-side merge of per-partition sums (the dual's moments, the slack estimates) follows task
 * completion order, which may change the last bits of a double. 1e-9 allows that and nothing else.
 */
class PipelineClusterIT {
  /** The tiny profile, shrunk so that both pipeline runs fit CI (see docs/development.md). */
  static final List<String> SETTINGS = List.of("data.syntheticPairs=200", "model.vocabSize=400",
      "model.dModel=64", "model.layers=2", "model.ffnHidden=128", "train.sftEpochs=1",
      "train.rewardEpochs=1", "train.costEpochs=1", "rollout.prompts=6", "rollout.samples=3",
      "rollout.maxNewTokens=16", "rollout.batchSize=8", "rollout.partitions=2",
      "align.maxPairs=64", "align.rolloutPrompts=8", "align.rolloutSamples=2",
      "evaluate.maxPrompts=8", "evaluate.bootstrapSamples=200", "report.samplePrompts=1",
      "runtime.djlThreadsPerTask=1", "runtime.progressIntervalSeconds=5");
  static final double RELATIVE_TOLERANCE = 1e-9;

  private final List<String> compared = new ArrayList<>();
  private double maxRelativeDifference;

  @Test
  @SuppressWarnings("unchecked")
  void clusterPipelineEqualsLocalPipeline(@TempDir Path tmp) throws Exception {
    Path local = tmp.resolve("run-local");
    Path remote = tmp.resolve("run-cluster");
    long t0 = System.nanoTime();
    List<String> args = new ArrayList<>(List.of("pipeline", "--profile", "tiny"));
    for (String s : SETTINGS) {
      args.add("--set");
      args.add(s);
    }
    List<String> localArgs = new ArrayList<>(args);
    localArgs.addAll(List.of("--run-dir", local.toString(), "--master", "local[2]"));
    List<String> remoteArgs = new ArrayList<>(args);
    remoteArgs.addAll(List.of("--run-dir", remote.toString()));
    // The local run goes on in a child JVM while the cluster starts and runs the same pipeline:
    // the two share the machine, which shortens the test's wall time (cluster start-up and
    // executor launch are mostly waiting). The child is killed by PID if the cluster side fails.
    Path localLog = tmp.resolve("local.log");
    Process localRun = child(localArgs, localLog);
    StandaloneCluster.Submission s;
    try (StandaloneCluster cluster = StandaloneCluster.start(2, "2g")) {
      s = cluster.submit(StandaloneCluster.fatJar(), Map.of(), Duration.ofMinutes(15),
          remoteArgs.toArray(new String[0]));
    } catch (Exception | Error e) {
      kill(localRun);
      throw e;
    }
    long t1 = System.nanoTime();
    if (!localRun.waitFor(15, TimeUnit.MINUTES)) {
      kill(localRun);
      throw new AssertionError("local pipeline did not finish; log:\n" + tail(localLog));
    }
    long t2 = System.nanoTime();
    String localOut = Files.readString(localLog);
    assertEquals(0, localRun.exitValue(), () -> "local pipeline failed:\n" + localOut);
    StandaloneCluster.Submission sub = s;
    assertEquals(0, s.exitCode(), () -> "pipeline failed on the cluster:\n" + sub.stdout()
        + "\n" + sub.stderr());
    System.out.println("local[2]:\n" + localOut.lines().filter(l -> l.contains(" committed (")
        || l.startsWith("pipeline complete")).collect(java.util.stream.Collectors.joining("\n"))
        + "\ncluster:\n" + s.stdout());
    System.out.printf(Locale.ROOT, "PipelineClusterIT: cluster start + submit %.1f s, both "
        + "done after %.1f s%n", (t1 - t0) / 1e9, (t2 - t0) / 1e9);
    assertTrue(localOut.contains("pipeline complete"), localOut);
    assertTrue(s.stdout().contains("pipeline complete"), s.stdout());

    // Both executors ran tasks: the reference rollouts (two partitions) hold both GPU addresses.
    Map<String, Object> sampleRef = marker(remote, "sample-ref");
    assertEquals(2, ((Number) sampleRef.get("executors")).intValue(), sampleRef.toString());
    assertEquals(1, ((Number) marker(local, "sample-ref").get("executors")).intValue());

    for (String stage : List.of("sft", "train-reward", "train-cost")) {
      compareNumbers(stage, heldOut(marker(local, stage)), heldOut(marker(remote, stage)));
    }
    Map<String, Object> dualL = marker(local, "solve-dual");
    Map<String, Object> dualR = marker(remote, "solve-dual");
    compareNumbers("solve-dual", Map.of("lambda", dualL.get("lambda"), "dual_value",
        dualL.get("dual_value"), "predicted_slack", dualL.get("predicted_slack")),
        Map.of("lambda", dualR.get("lambda"), "dual_value", dualR.get("dual_value"),
            "predicted_slack", dualR.get("predicted_slack")));
    assertEquals(dualL.get("iterations"), dualR.get("iterations"));
    for (String method : List.of("caid", "oneshot")) {
      Map<String, Object> a = marker(local, "align/" + method);
      Map<String, Object> b = marker(remote, "align/" + method);
      List<Object> ta = (List<Object>) a.get("lambda_trajectory");
      assertEquals(2, ta.size(), a.toString());
      compareNumbers(method + ".lambda_trajectory", ta, b.get("lambda_trajectory"));
      compareNumbers(method + ".final_lambda", a.get("final_lambda"), b.get("final_lambda"));
      compareNumbers(method + ".estimates", a.get("estimates"), b.get("estimates"));
      compareNumbers(method + ".final_dpo", dpoFigures(a), dpoFigures(b));
    }

    SparkSession spark = TestSpark.builder().master("local[1]").appName("compare").getOrCreate();
    try {
      Set<String> gpus = new TreeSet<>();
      Set<String> executors = new TreeSet<>();
      for (Row r : spark.read().parquet(remote.resolve("sample-ref/samples").toString())
          .collectAsList()) {
        gpus.add(r.getAs(RolloutTable.GPU_ADDRESS));
        executors.add(r.getAs(RolloutTable.EXECUTOR_ID));
      }
      assertEquals(Set.of("0", "1"), gpus, "sample-ref tasks held GPUs 0 and 1");
      assertEquals(2, executors.size(), executors.toString());
      Map<String, Map<String, Object>> sa = summary(spark, local);
      Map<String, Map<String, Object>> sb = summary(spark, remote);
      assertEquals(sa.keySet(), sb.keySet());
      assertTrue(sa.containsKey("reference/all") && sa.containsKey("caid-2/all")
          && sa.containsKey("oneshot/all"), sa.keySet().toString());
      compareNumbers("evaluate/summary", sa, sb);
    } finally {
      spark.stop();
    }
    assertTrue(Files.isRegularFile(remote.resolve("report/index.html")));
    System.out.printf(Locale.ROOT, "PipelineClusterIT: %d figures compared, max relative "
        + "difference local vs cluster %.3g; λ* %s vs %s; caid λ %s vs %s%n", compared.size(),
        maxRelativeDifference, dualL.get("lambda"), dualR.get("lambda"),
        marker(local, "align/caid").get("lambda_trajectory"),
        marker(remote, "align/caid").get("lambda_trajectory"));
  }

  /** {@code dualign <args>} in a child JVM with this JVM's flags and classpath. */
  private static Process child(List<String> args, Path log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Dualign.class.getName()));
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void kill(Process p) throws InterruptedException {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    p.waitFor(30, TimeUnit.SECONDS);
  }

  private static String tail(Path log) throws java.io.IOException {
    String t = Files.readString(log);
    return t.length() > 6000 ? t.substring(t.length() - 6000) : t;
  }

  private static Map<String, Object> marker(Path run, String output) throws Exception {
    return Json.readMap(Files.readAllBytes(run.resolve(output).resolve("_SUCCESS.json")));
  }

  /** A training marker without its timings, throughput and versions' provenance. */
  private static Map<String, Object> heldOut(Map<String, Object> m) {
    Map<String, Object> keep = new TreeMap<>();
    for (Map.Entry<String, Object> e : m.entrySet()) {
      String k = e.getKey();
      if (!isTiming(k)) {
        keep.put(k, e.getValue());
      }
    }
    return keep;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> dpoFigures(Map<String, Object> m) {
    Map<String, Object> d = (Map<String, Object>) m.get("final_dpo");
    Map<String, Object> keep = new TreeMap<>();
    for (String k : List.of("dpo_loss", "implicit_reward_accuracy", "kl_pairs", "mean_margin",
        "pairs", "steps", "model_version")) {
      keep.put(k, d.get(k));
    }
    return keep;
  }

  private static boolean isTiming(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.equals("started") || k.equals("finished") || k.equals("seconds")
        || k.contains("per_second") || k.contains("tokens_per") || k.equals("run_id")
        || k.contains("executor") || k.equals("devices") || k.equals("device")
        || k.contains("_seconds");
  }

  /** evaluate/summary keyed by policy/category, its numbers and booleans by column. */
  private static Map<String, Map<String, Object>> summary(SparkSession spark, Path run) {
    Map<String, Map<String, Object>> m = new TreeMap<>();
    for (Row r : spark.read().parquet(run.resolve("evaluate/summary").toString())
        .collectAsList()) {
      Map<String, Object> cells = new TreeMap<>();
      for (StructField f : r.schema().fields()) {
        DataType t = f.dataType();
        if (t.equals(DataTypes.StringType) && !f.name().equals("run_id")) {
          cells.put(f.name(), r.getAs(f.name()));
        } else if (!t.equals(DataTypes.StringType)) {
          cells.put(f.name(), r.getAs(f.name()));
        }
      }
      m.put(r.getAs("policy") + "/" + r.getAs("category"), cells);
    }
    return m;
  }

  /**
   * Walks two JSON-like values together: maps key by key, lists element by element, numbers
   * within the tolerance, everything else equal. Timings are skipped.
   */
  @SuppressWarnings("unchecked")
  private void compareNumbers(String where, Object a, Object b) {
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      assertEquals(new TreeSet<>(ma.keySet()), new TreeSet<>(mb.keySet()), where);
      for (Object k : ma.keySet()) {
        if (!isTiming(k.toString())) {
          compareNumbers(where + "." + k, ma.get(k), mb.get(k));
        }
      }
    } else if (a instanceof List<?> la && b instanceof List<?> lb) {
      assertEquals(la.size(), lb.size(), where);
      for (int i = 0; i < la.size(); i++) {
        compareNumbers(where + "[" + i + "]", la.get(i), lb.get(i));
      }
    } else if (a instanceof Number na && b instanceof Number nb) {
      double x = na.doubleValue();
      double y = nb.doubleValue();
      compared.add(where);
      if (Double.isNaN(x) || Double.isNaN(y)) {
        assertTrue(Double.isNaN(x) && Double.isNaN(y), where + ": " + x + " vs " + y);
        return;
      }
      double diff = Math.abs(x - y);
      double rel = diff / Math.max(1.0, Math.max(Math.abs(x), Math.abs(y)));
      maxRelativeDifference = Math.max(maxRelativeDifference, rel);
      assertTrue(rel <= RELATIVE_TOLERANCE, where + ": local " + x + " vs cluster " + y
          + " (relative difference " + rel + ")");
    } else {
      assertEquals(a, b, where);
    }
  }
}
