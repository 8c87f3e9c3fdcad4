package io.dualign.spark;

import io.dualign.model.Checkpoint;
import io.dualign.model.ModelFormat;
import io.dualign.model.hf.HfFolder;
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
 * checkpoint, a TorchScript bundle or a Hugging Face folder), its {@link ModelFormat}, the
 * version the driver expects there, the weight type a Hugging Face model loads in
 * ({@code model.dtype}) and, when the driver delivers it by broadcast ({@link ModelDelivery}),
 * the broadcast bytes of its files. Without bytes an executor reads the folder from the URI, which must be on
 * storage every executor sees (a local path counts on one machine). Either way the files' sha256
 * are checked on load and the loaded version must equal this one.
 *
 * @param bytes the broadcast files, or null when executors read {@code uri}
 * @param dtype {@code auto}, {@code float32}, {@code bfloat16} or {@code float16} (Hugging Face
 *     models; the other formats load as they were saved)
 */
public record ModelRef(String uri, String version, ModelFormat format,
    Broadcast<ModelPackage> bytes, String dtype) implements Serializable {
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
    if (dtype == null) {
      dtype = "auto";
    }
  }

  /** A model loaded as stored ({@code dtype} auto). */
  public ModelRef(String uri, String version, ModelFormat format, Broadcast<ModelPackage> bytes) {
    this(uri, version, format, bytes, "auto");
  }

  /** A built-in checkpoint read from {@code uri}. */
  public ModelRef(String uri, String version) {
    this(uri, version, ModelFormat.BUILT_IN, null);
  }

  /**
   * The reference to the model folder {@code dir} (a built-in checkpoint, a TorchScript bundle or
   * a Hugging Face folder), with the version its metadata records (for a Hugging Face folder:
   * computed from its files' sha256).
   *
   * @throws io.dualign.model.hf.HfModelException when a Hugging Face folder is incomplete or
   *     of an unsupported architecture
   */
  public static ModelRef of(String dir, Configuration hadoop) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = p.getFileSystem(hadoop);
    ModelFormat format = ModelFormat.detect(fs, p);
    String qualified = fs.makeQualified(p).toString();
    if (format == ModelFormat.HUGGING_FACE) {
      return new ModelRef(qualified, HfFolder.open(fs, p).version(), format, null);
    }
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
    if (format == ModelFormat.HUGGING_FACE) {
      return HfFolder.open(p.getFileSystem(hadoop), p).files();
    }
    TorchScriptManifest m = manifest(p.getFileSystem(hadoop), p);
    return List.of(ModelFormat.TORCHSCRIPT.metaFile(), m.modelFile(), m.tokenizerFile());
  }

  /** This reference delivered as broadcast bytes. */
  public ModelRef withBytes(Broadcast<ModelPackage> b) {
    return new ModelRef(uri, version, format, b, dtype);
  }

  /** This reference without broadcast bytes (executors read the URI). */
  public ModelRef shared() {
    return bytes == null ? this : new ModelRef(uri, version, format, null, dtype);
  }

  /** This reference loading a Hugging Face model's weights as {@code type}. */
  public ModelRef withDtype(String type) {
    return new ModelRef(uri, version, format, bytes, type);
  }

  /** The file system holding the model (executor side: a default Hadoop configuration). */
  FileSystem fileSystem() throws IOException {
    return FileSystem.get(URI.create(uri), new Configuration());
  }
}
