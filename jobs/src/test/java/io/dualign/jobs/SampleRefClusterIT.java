package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.TestSpark;
import io.dualign.spark.RolloutTable;
import io.dualign.testing.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sample-ref} submitted to a real standalone cluster (Master + 2 Workers, one fake GPU
 * each): it runs on two executors whose tasks hold distinct GPU addresses, computes on the CPU (no
 * CUDA here), and writes exactly the rows the same stage writes on local[2] for the same seed.
 * Its models travel as broadcast bytes ({@code runtime.modelDelivery=auto}: local paths on a
 * cluster), the local run reads them from their paths.
 * The earlier stages (tiny profile) run locally first; their run directory is copied so both
 * sample-ref runs start from the same models.
 */
class SampleRefClusterIT {

  @Test
  void clusterRowsEqualLocalRowsAndUseBothGpus(@TempDir Path tmp) throws Exception {
    Path local = tmp.resolve("run-local");
    Path remote = tmp.resolve("run-cluster");
    RolloutStagesTest.prepareAndTrain(local.toString());
    copy(local, remote);
    RolloutStagesTest.Result r = RolloutStagesTest.run("sample-ref", local.toString(), "local[2]");
    assertEquals(0, r.code(), () -> r.out() + r.err());

    List<String> args = new ArrayList<>(List.of("sample-ref", "--run-dir", remote.toString(),
        "--profile", "tiny"));
    for (String s : RolloutStagesTest.SETTINGS) {
      args.add("--set");
      args.add(s);
    }
    try (StandaloneCluster cluster = StandaloneCluster.start(2, "2g")) {
      StandaloneCluster.Submission s = cluster.submit(StandaloneCluster.fatJar(), Map.of(),
          Duration.ofMinutes(5), args.toArray(new String[0]));
      assertEquals(0, s.exitCode(), () -> "sample-ref failed on the cluster:\n" + s.stdout()
          + "\n" + s.stderr());
    }
    Map<String, Object> marker = RolloutStagesTest.marker(remote, "sample-ref");
    assertEquals(2, ((Number) marker.get("executors")).intValue(), marker.toString());
    assertEquals(List.of("cpu()"), marker.get("devices"), marker.toString());
    // runtime.modelDelivery=auto on a standalone master with models on local paths: the driver
    // broadcasts each model's files; executors write them to their local model cache.
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> delivery = (List<Map<String, Object>>) marker.get("model_delivery");
    assertEquals(List.of("broadcast", "broadcast", "broadcast"),
        delivery.stream().map(d -> d.get("delivery")).toList(), marker.toString());

    SparkSession spark = TestSpark.builder().master("local[1]").appName("compare").getOrCreate();
    try {
      Map<String, Row> a = rows(spark, local);
      Map<String, Row> b = rows(spark, remote);
      assertEquals(18, a.size());
      assertEquals(a.keySet(), b.keySet());
      Set<String> gpus = new TreeSet<>();
      Set<String> executors = new TreeSet<>();
      List<String> diffs = new ArrayList<>();
      for (String k : a.keySet()) {
        Row x = a.get(k);
        Row y = b.get(k);
        gpus.add(y.getAs(RolloutTable.GPU_ADDRESS));
        executors.add(y.getAs(RolloutTable.EXECUTOR_ID));
        assertTrue(x.isNullAt(x.fieldIndex(RolloutTable.GPU_ADDRESS)), "local mode has no GPUs");
        assertEquals("cpu()", y.<String>getAs(RolloutTable.DEVICE));
        for (String f : x.schema().fieldNames()) {
          if (Set.of(RolloutTable.GPU_ADDRESS, RolloutTable.EXECUTOR_ID).contains(f)) {
            continue;
          }
          if (!java.util.Objects.equals(x.getAs(f), y.getAs(f))) {
            diffs.add(k + "." + f + ": " + x.getAs(f) + " vs " + y.getAs(f));
          }
        }
      }
      assertTrue(diffs.isEmpty(), diffs.size() + " cells differ: "
          + diffs.subList(0, Math.min(8, diffs.size())));
      assertEquals(Set.of("0", "1"), gpus, "tasks on the two executors hold GPUs 0 and 1");
      assertEquals(2, executors.size(), executors.toString());
    } finally {
      spark.stop();
    }
  }

  private static Map<String, Row> rows(SparkSession spark, Path run) {
    Map<String, Row> m = new TreeMap<>();
    for (Row r : spark.read().parquet(run.resolve("sample-ref/samples").toString())
        .collectAsList()) {
      m.put(r.getAs("prompt_id") + "#" + r.getAs("sample_idx"), r);
    }
    return m;
  }

  private static void copy(Path from, Path to) throws Exception {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
