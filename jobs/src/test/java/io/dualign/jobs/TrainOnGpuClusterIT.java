package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import io.dualign.model.Checkpoint;
import io.dualign.run.Json;
import io.dualign.testing.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prepare} and {@code sft} submitted to a real standalone cluster (Master + 1 Worker with
 * one fake GPU, address "0"): the training task asks for a GPU ({@code
 * spark.task.resource.gpu.amount=1}) and receives address 0, computes on the CPU (DJL sees no GPU
 * here), records both in the marker's {@code device}, and writes a checkpoint that loads with the
 * version the marker names.
 */
class TrainOnGpuClusterIT {
  static final List<String> SETTINGS = List.of("data.syntheticPairs=120", "model.vocabSize=300",
      "model.dModel=32", "model.layers=1", "model.ffnHidden=64", "train.sftEpochs=1",
      "runtime.djlThreadsPerTask=1");

  @Test
  @SuppressWarnings("unchecked")
  void theTrainingTaskHoldsAGpuAddressAndRecordsIt(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    try (StandaloneCluster cluster = StandaloneCluster.start(1, "2g")) {
      for (String stage : List.of("prepare", "sft")) {
        List<String> args = new ArrayList<>(List.of(stage, "--profile", "tiny", "--run-dir",
            run.toString()));
        for (String s : SETTINGS) {
          args.add("--set");
          args.add(s);
        }
        StandaloneCluster.Submission sub = cluster.submit(StandaloneCluster.fatJar(), Map.of(),
            Duration.ofMinutes(5), args.toArray(new String[0]));
        assertEquals(0, sub.exitCode(), () -> stage + " failed on the cluster:\n" + sub.stdout()
            + "\n" + sub.stderr());
      }
    }
    Map<String, Object> marker = Json.readMap(Files.readAllBytes(
        run.resolve("sft").resolve("_SUCCESS.json")));
    assertEquals(Map.of("compute", "cpu()", "task_gpu_addresses", List.of("0")),
        marker.get("device"), marker.toString());
    FileSystem fs = FileSystem.getLocal(new Configuration());
    try (Checkpoint.Loaded model = Checkpoint.load(fs, new org.apache.hadoop.fs.Path(
        run.resolve("sft").resolve(TrainModelJob.MODEL).toString()), null, Device.cpu())) {
      assertEquals(marker.get("model_version"), model.version());
      assertEquals(((Number) marker.get("parameters")).longValue(),
          model.model().parameterCount());
    }
  }
}
