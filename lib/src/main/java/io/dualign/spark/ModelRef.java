package io.dualign.spark;

import io.dualign.model.Checkpoint;
import io.dualign.model.ModelFormat;
import io.dualign.model.torchscript.TorchScriptManifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;

/**
 * A {@code ModelRef} is how a model reaches the executors: the URI of its folder (a built-in
 * checkpoint or a TorchScript bundle), its {@link ModelFormat}, the version the driver expects
 * there and, when the driver delivers it by broadcast ({@link ModelDelivery}), the broadcast
 * bytes of its files. Without bytes an executor reads the folder from the URI, which must be on
 * storage every executor sees (a local path counts on one machine). Either way the files' sha256
 * are checked on load and the loaded version must equal this one.
 *
 * @param bytes the broadcast files, or null when executors read {@code uri}
 */
public record ModelRef(String uri, String version, ModelFormat format,
    Broadcast<ModelPackage> bytes) implements Serializable {
  public ModelRef {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("model uri must not be empty");
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("model version of " + uri + " must not be empty");
    }
    if (format == null) {
      throw new IllegalArgumentException("model format of " + uri + " must not be null");
    }
  }

  /** A built-in checkpoint read from {@code uri}. */
  public ModelRef(String uri, String version) {
    this(uri, version, ModelFormat.BUILT_IN, null);
  }

  /**
   * The reference to the model folder {@code dir} (a built-in checkpoint or a TorchScript
   * bundle), with the version its metadata records.
   */
  public static ModelRef of(String dir, Configuration hadoop) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = p.getFileSystem(hadoop);
    ModelFormat format = ModelFormat.detect(fs, p);
    String qualified = fs.makeQualified(p).toString();
    if (format == ModelFormat.TORCHSCRIPT) {
      TorchScriptManifest m = manifest(fs, p);
      try {
        return new ModelRef(qualified, m.version(), format, null);
      } catch (IllegalStateException e) {
        throw new IOException("TorchScript bundle " + dir + ": " + e.getMessage(), e);
      }
    }
    Map<String, Object> meta = Checkpoint.meta(fs, p);
    Object v = meta.get("version");
    if (!(v instanceof String s)) {
      throw new IOException("checkpoint " + dir + " records no version");
    }
    return new ModelRef(qualified, s, format, null);
  }

  /** The manifest of the TorchScript bundle in {@code dir}. */
  static TorchScriptManifest manifest(FileSystem fs, Path dir) throws IOException {
    Path file = new Path(dir, ModelFormat.TORCHSCRIPT.metaFile());
    try (InputStream in = fs.open(file)) {
      return TorchScriptManifest.parse(in.readAllBytes(), file.toString());
    }
  }

  /** The names of the files that make the model, relative to its folder. */
  public List<String> files(Configuration hadoop) throws IOException {
    if (format == ModelFormat.BUILT_IN) {
      return List.of(Checkpoint.META, Checkpoint.WEIGHTS, Checkpoint.TOKENIZER);
    }
    Path p = new Path(uri);
    TorchScriptManifest m = manifest(p.getFileSystem(hadoop), p);
    return List.of(ModelFormat.TORCHSCRIPT.metaFile(), m.modelFile(), m.tokenizerFile());
  }

  /** This reference delivered as broadcast bytes. */
  public ModelRef withBytes(Broadcast<ModelPackage> b) {
    return new ModelRef(uri, version, format, b);
  }

  /** This reference without broadcast bytes (executors read the URI). */
  public ModelRef shared() {
    return bytes == null ? this : new ModelRef(uri, version, format, null);
  }

  /** The file system holding the model (executor side: a default Hadoop configuration). */
  FileSystem fileSystem() throws IOException {
    return FileSystem.get(URI.create(uri), new Configuration());
  }
}
