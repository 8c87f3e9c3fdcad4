package io.dualign.spark;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.dualign.model.Checkpoint;
import io.dualign.model.EngineThreads;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;

/**
 * {@code ExecutorModels} is how partition functions get their models: the task's device from its
 * Spark GPU addresses ({@link Devices}), the engine's threads for this task, and a lease on the
 * checkpoint from the JVM-wide {@link ExecutorModelCache} keyed by (uri, version, device), released
 * when the task completes (successfully or not).
 */
public final class ExecutorModels {
  private ExecutorModels() {}

  /** The device the current task computes on (CPU when it has no GPU, or DJL sees none). */
  public static Device taskDevice() {
    TaskContext ctx = TaskContext.get();
    List<String> gpus = ExecutorProbe.gpuAddresses(ctx);
    int djlGpus = gpus.isEmpty() ? 0 : Engine.getEngine("PyTorch").getGpuCount();
    return Devices.forTask(gpus, djlGpus, System.getenv("CUDA_VISIBLE_DEVICES"));
  }

  /** Sets PyTorch's intra-op threads for this task ({@code runtime.djlThreadsPerTask}). */
  public static void applyThreads(int threads) {
    EngineThreads.apply(threads);
  }

  /** The cache key of a model on a device. */
  public static ExecutorModelCache.Key key(ModelRef ref, Device device) {
    return new ExecutorModelCache.Key(ref.uri(), ref.version(), device.toString());
  }

  /**
   * A lease on the checkpoint {@code ref} loaded on {@code device}: loaded at most once per
   * executor JVM per version; released when the current task ends (or at once outside a task
   * when the caller closes it).
   */
  public static ExecutorModelCache.Lease<Checkpoint.Loaded> lease(ModelRef ref, Device device)
      throws Exception {
    ExecutorModelCache.Lease<Checkpoint.Loaded> lease = ExecutorModelCache.acquire(
        key(ref, device), () -> load(ref, device));
    TaskContext ctx = TaskContext.get();
    if (ctx != null) {
      ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> lease.close());
    }
    return lease;
  }

  /** Loads and checks a checkpoint: its files' sha256 (checkpoint.json) and the expected version. */
  static Checkpoint.Loaded load(ModelRef ref, Device device) throws IOException {
    Checkpoint.Loaded loaded = Checkpoint.load(ref.fileSystem(), new Path(ref.uri()), null, device);
    if (!loaded.version().equals(ref.version())) {
      loaded.close();
      throw new IOException("checkpoint " + ref.uri() + " is version " + loaded.version()
          + " but version " + ref.version() + " was expected (was it replaced during the run?)");
    }
    return loaded;
  }
}
