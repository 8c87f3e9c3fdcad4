package io.dualign.spark;

import io.dualign.config.DualignConfig;
import io.dualign.config.RuntimeSettings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code ModelDelivery} decides, on the driver, how each model of a stage reaches the executors
 * ({@code runtime.modelDelivery}): by its URI on shared storage, or as a broadcast of its files'
 * bytes ({@link ModelPackage}) that executors write into their local model cache
 * ({@link LocalModelFiles}) and load from there. Executors check every file's sha256 and the
 * version either way, and key their model cache on (uri, version, device) either way, so a model
 * is still loaded once per executor JVM per version. Closing the delivery (when the stage's
 * actions are done) destroys every broadcast it made.
 */
public final class ModelDelivery implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelDelivery.class);

  /** How models travel. */
  public enum Mode {
    AUTO, SHARED, BROADCAST;

    /** Parses a {@code runtime.modelDelivery} value. */
    public static Mode parse(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  private final JavaSparkContext jsc;
  private final Mode mode;
  private final long maxBytes;
  private final Configuration hadoop;
  private final String dtype;
  private final Map<String, ModelRef> delivered = new LinkedHashMap<>();
  private final List<Broadcast<ModelPackage>> broadcasts = new ArrayList<>();
  private final List<Map<String, Object>> log = new ArrayList<>();

  public ModelDelivery(JavaSparkContext jsc, Mode mode, long maxBytes, Configuration hadoop) {
    this(jsc, mode, maxBytes, hadoop, "auto");
  }

  /**
   * @param dtype the weight type Hugging Face models load in on the executors
   *     ({@code model.dtype})
   */
  public ModelDelivery(JavaSparkContext jsc, Mode mode, long maxBytes, Configuration hadoop,
      String dtype) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("runtime.broadcastMaxBytes must be > 0, was " + maxBytes);
    }
    this.jsc = jsc;
    this.mode = mode;
    this.maxBytes = maxBytes;
    this.hadoop = hadoop;
    this.dtype = dtype;
  }

  /** The delivery the configuration asks for ({@code runtime.modelDelivery}, {@code model.dtype}). */
  public static ModelDelivery of(org.apache.spark.SparkContext sc, DualignConfig cfg) {
    RuntimeSettings rt = cfg.runtime();
    return new ModelDelivery(JavaSparkContext.fromSparkContext(sc),
        Mode.parse(rt.modelDelivery()), rt.broadcastMaxBytes(), sc.hadoopConfiguration(),
        cfg.model().dtype());
  }

  /** Whether a master runs every executor on this machine (local files are then shared). */
  static boolean oneMachine(String master) {
    return master.equals("local") || master.startsWith("local[")
        || master.startsWith("local-cluster[");
  }

  /** Whether a model URI is on a distributed file system (every executor can read it). */
  static boolean distributed(String uri) {
    String scheme = URI.create(uri).getScheme();
    return scheme != null && !scheme.equals("file");
  }

  /**
   * {@code ref} as executors will get it: unchanged (shared storage) or with its files broadcast.
   * A model delivered before by this delivery reuses its broadcast.
   */
  public ModelRef deliver(ModelRef ref) throws IOException {
    if (ref == null) {
      return null;
    }
    String key = ref.uri() + "@" + ref.version();
    ModelRef done = delivered.get(key);
    if (done != null) {
      return done;
    }
    ModelRef shared = ref.shared().withDtype(dtype);
    long size = size(shared);
    boolean broadcast;
    String why;
    switch (mode) {
      case SHARED -> {
        broadcast = false;
        why = "runtime.modelDelivery=shared";
      }
      case BROADCAST -> {
        if (size > maxBytes) {
          throw new IOException("model " + ref.uri() + " is " + size + " bytes > "
              + "runtime.broadcastMaxBytes " + maxBytes + " (runtime.modelDelivery=broadcast); "
              + "raise the cap or put the model on shared storage with runtime.modelDelivery=shared");
        }
        broadcast = true;
        why = "runtime.modelDelivery=broadcast";
      }
      default -> {
        String master = jsc.sc().master();
        if (distributed(ref.uri())) {
          broadcast = false;
          why = "auto: on a distributed file system";
        } else if (oneMachine(master)) {
          broadcast = false;
          why = "auto: master " + master + " runs on one machine";
        } else if (size <= maxBytes) {
          broadcast = true;
          why = "auto: local file on a cluster, " + size + " bytes <= runtime.broadcastMaxBytes";
        } else {
          broadcast = false;
          why = "auto: local file larger than runtime.broadcastMaxBytes; it must be at the same "
              + "path on every executor";
          LOG.warn("model {} ({} bytes) is a local path on a cluster and larger than "
              + "runtime.broadcastMaxBytes {}: executors read it at that path", ref.uri(), size,
              maxBytes);
        }
      }
    }
    ModelRef out = shared;
    if (broadcast) {
      ModelPackage pkg = read(shared);
      Broadcast<ModelPackage> b = jsc.broadcast(pkg);
      broadcasts.add(b);
      out = shared.withBytes(b);
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("uri", ref.uri());
    entry.put("version", ref.version());
    entry.put("format", ref.format().id());
    entry.put("bytes", size);
    entry.put("delivery", broadcast ? "broadcast" : "shared");
    entry.put("reason", why);
    log.add(entry);
    LOG.info("model {} version {} ({} bytes): {} ({})", ref.uri(), ref.version(), size,
        broadcast ? "broadcast" : "read from its URI", why);
    delivered.put(key, out);
    return out;
  }

  /** The scoring spec with its models delivered. */
  public ScoringSpec deliver(ScoringSpec s) throws IOException {
    return s.withModels(deliver(s.reward()), deliver(s.cost()));
  }

  /** The rollout spec with its policy and scorers delivered. */
  public RolloutSpec deliver(RolloutSpec s) throws IOException {
    return s.withModels(deliver(s.policy()), deliver(s.scoring()));
  }

  /** How each model was delivered, for {@code _SUCCESS.json}. */
  public List<Map<String, Object>> summary() {
    return List.copyOf(log);
  }

  /** The broadcasts made so far (tests check they are destroyed). */
  List<Broadcast<ModelPackage>> broadcasts() {
    return List.copyOf(broadcasts);
  }

  private long size(ModelRef ref) throws IOException {
    Path dir = new Path(ref.uri());
    FileSystem fs = dir.getFileSystem(hadoop);
    long n = 0;
    for (String f : ref.files(hadoop)) {
      n += fs.getFileStatus(new Path(dir, f)).getLen();
    }
    return n;
  }

  private ModelPackage read(ModelRef ref) throws IOException {
    Path dir = new Path(ref.uri());
    FileSystem fs = dir.getFileSystem(hadoop);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String f : ref.files(hadoop)) {
      try (InputStream in = fs.open(new Path(dir, f))) {
        files.put(f, in.readAllBytes());
      }
    }
    return new ModelPackage(ref.version(), files);
  }

  /** Destroys every broadcast (blocking until executors dropped their copies). */
  @Override
  public void close() {
    for (Broadcast<ModelPackage> b : broadcasts) {
      b.destroy();
    }
    if (!broadcasts.isEmpty()) {
      LOG.info("destroyed {} model broadcast(s)", broadcasts.size());
    }
    broadcasts.clear();
    delivered.clear();
  }
}
