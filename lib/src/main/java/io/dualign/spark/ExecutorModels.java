package io.dualign.spark;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.dualign.model.Checkpoint;
import io.dualign.model.EngineThreads;
import io.dualign.model.LoadedModel;
import io.dualign.model.ModelFormat;
import io.dualign.model.hf.HfCheckpoint;
import io.dualign.model.torchscript.TorchScriptModel;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;

/**
 * {@code ExecutorModels} is how partition functions get their models: the task's device from its
 * Spark GPU addresses ({@link Devices}), the engine's threads for this task, and a lease on the
 * model (a built-in checkpoint or a TorchScript bundle) from the JVM-wide {@link
 * ExecutorModelCache} keyed by (uri, version, device) and bounded by the driver's
 * {@code runtime.modelCacheBytes} ({@link #CACHE_BYTES_PROPERTY}), released when the task
 * completes (successfully or not).
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

  /**
   * What a stage's marker records as its {@code device}: the DJL device the task computed on
   * ({@code compute}, e.g. "cpu()" or "gpu(0)") and the Spark GPU addresses the task was given
   * ({@code task_gpu_addresses}, empty when it asked for none).
   */
  public static java.util.Map<String, Object> deviceFigures(Device device) {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("compute", device.toString());
    m.put("task_gpu_addresses", ExecutorProbe.gpuAddresses(TaskContext.get()));
    return m;
  }

  /** Sets PyTorch's intra-op threads for this task ({@code runtime.djlThreadsPerTask}). */
  public static void applyThreads(int threads) {
    EngineThreads.apply(threads);
  }

  /**
   * The Spark local property carrying the executor model cache's bound in bytes (the resolved
   * {@code runtime.modelCacheBytes}), which the driver sets before a stage's jobs and every task
   * sees.
   */
  public static final String CACHE_BYTES_PROPERTY = "dualign.modelCacheBytes";

  /**
   * Bounds this JVM's {@link ExecutorModelCache} by {@code bytes}, a task's {@link
   * #CACHE_BYTES_PROPERTY} (nothing changes when it is null: no bound was set by the driver).
   *
   * @throws IllegalArgumentException when it is not a positive integer
   */
  static void applyCacheBound(String bytes) {
    if (bytes == null) {
      return;
    }
    long n;
    try {
      n = Long.parseLong(bytes.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(CACHE_BYTES_PROPERTY + " must be a byte count, was '"
          + bytes + "'", e);
    }
    ExecutorModelCache.setMaxBytes(n);
  }

  /** The cache key of a model on a device. */
  public static ExecutorModelCache.Key key(ModelRef ref, Device device) {
    return new ExecutorModelCache.Key(ref.uri(), ref.version(),
        ref.dtype().equals("auto") ? device.toString() : device + "/" + ref.dtype());
  }

  /**
   * A lease on the model {@code ref} (a built-in checkpoint or a TorchScript bundle, read from its
   * URI or its broadcast bytes) loaded on {@code device}: loaded at most once per executor JVM per
   * (uri, version, device); released when the current task ends (or at once outside a task when
   * the caller closes it).
   */
  public static ExecutorModelCache.Lease<LoadedModel> lease(ModelRef ref, Device device)
      throws Exception {
    TaskContext ctx = TaskContext.get();
    if (ctx != null) {
      applyCacheBound(ctx.getLocalProperty(CACHE_BYTES_PROPERTY));
    }
    ExecutorModelCache.Lease<LoadedModel> lease = ExecutorModelCache.acquire(
        key(ref, device), () -> load(ref, device, false), LoadedModel::weightBytes);
    if (ctx != null) {
      ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> lease.close());
    }
    return lease;
  }

  /** Loads {@code ref} for inference (not cached: the caller closes it). */
  public static LoadedModel load(ModelRef ref, Device device) throws IOException {
    return load(ref, device, false);
  }

  /**
   * Loads and checks the model {@code ref}: its files' sha256 (checkpoint.json or
   * torchscript.json) and the expected version; {@code trainable} loads a TorchScript causal LM
   * for training (built-in models always are), and without it a Hugging Face model is loaded
   * for inference only ({@link HfCheckpoint.Loaded#forInference}). Not cached: the caller closes it. A cache folder
   * whose files fail their check is written again once from the source.
   */
  public static LoadedModel load(ModelRef ref, Device device, boolean trainable)
      throws IOException {
    LoadedModel loaded;
    boolean cached = ref.bytes() != null || !isLocal(ref.uri());
    try {
      loaded = loadOnce(ref, device, trainable);
    } catch (IOException e) {
      if (!cached || !java.nio.file.Files.isDirectory(LocalModelFiles.folder(ref.version()))) {
        throw e;
      }
      org.slf4j.LoggerFactory.getLogger(ExecutorModels.class).warn(
          "model {} version {}: cached files failed to load ({}); writing them again", ref.uri(),
          ref.version(), e.getMessage());
      LocalModelFiles.evict(ref.version());
      loaded = loadOnce(ref, device, trainable);
    }
    if (!loaded.version().equals(ref.version())) {
      String v = loaded.version();
      loaded.close();
      throw new IOException("model " + ref.uri() + " is version " + v + " but version "
          + ref.version() + " was expected (was it replaced during the run?)");
    }
    return loaded;
  }

  private static LoadedModel loadOnce(ModelRef ref, Device device, boolean trainable)
      throws IOException {
    if (ref.format() == ModelFormat.TORCHSCRIPT) {
      return TorchScriptModel.load(LocalModelFiles.local(ref), device, trainable);
    }
    if (ref.format() == ModelFormat.HUGGING_FACE) {
      HfCheckpoint.Loaded hf;
      if (ref.bytes() != null) {
        java.nio.file.Path dir = LocalModelFiles.local(ref);
        hf = HfCheckpoint.load(org.apache.hadoop.fs.FileSystem.getLocal(
            new org.apache.hadoop.conf.Configuration()), new Path(dir.toUri()), device,
            ref.dtype());
      } else {
        hf = HfCheckpoint.load(ref.fileSystem(), new Path(ref.uri()), device, ref.dtype());
      }
      return trainable ? hf : hf.forInference();
    }
    if (ref.bytes() != null) {
      java.nio.file.Path dir = LocalModelFiles.local(ref);
      return Checkpoint.load(org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf
          .Configuration()), new Path(dir.toUri()), null, device);
    }
    return Checkpoint.load(ref.fileSystem(), new Path(ref.uri()), null, device);
  }

  private static boolean isLocal(String uri) {
    String scheme = java.net.URI.create(uri).getScheme();
    return scheme == null || "file".equals(scheme);
  }
}
