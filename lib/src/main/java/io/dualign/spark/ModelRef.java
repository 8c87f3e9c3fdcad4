package io.dualign.spark;

import io.dualign.model.Checkpoint;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@code ModelRef} is how a model reaches the executors: the URI of its checkpoint folder on
 * storage every executor can read (a local path counts on one machine) and the version the driver
 * expects there. An executor loads the checkpoint from the URI, the checkpoint's own sha256 checks
 * its files, and the loaded version must equal this one.
 */
public record ModelRef(String uri, String version) implements Serializable {
  public ModelRef {
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("model uri must not be empty");
    }
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("model version of " + uri + " must not be empty");
    }
  }

  /** The reference to the checkpoint in {@code dir}, with the version its metadata records. */
  public static ModelRef of(String dir, Configuration hadoop) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = p.getFileSystem(hadoop);
    Map<String, Object> meta = Checkpoint.meta(fs, p);
    Object v = meta.get("version");
    if (!(v instanceof String s)) {
      throw new IOException("checkpoint " + dir + " records no version");
    }
    return new ModelRef(fs.makeQualified(p).toString(), s);
  }

  /** The file system holding the checkpoint (executor side: a default Hadoop configuration). */
  FileSystem fileSystem() throws IOException {
    return FileSystem.get(URI.create(uri), new Configuration());
  }
}
