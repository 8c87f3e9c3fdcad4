package io.dualign.spark;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LocalModelFiles} is an executor's local model cache on disk: the folder a model is
 * loaded from when it is not a local path already — written from broadcast bytes, or copied from a
 * remote file system (a TorchScript model loads from local files only). Each model version gets
 * one folder, {@code <root>/<version>}, written into a temporary sibling and renamed into place, so
 * a folder that exists is complete; the sha256 of its files are checked when the model loads.
 *
 * <p>The root is the system property {@value #ROOT_PROPERTY} when set, else
 * {@code <java.io.tmpdir>/dualign-models-<user>}.
 */
public final class LocalModelFiles {
  /** The system property naming the cache root (set it on executors to move the cache). */
  public static final String ROOT_PROPERTY = "dualign.modelCacheDir";
  private static final Logger LOG = LoggerFactory.getLogger(LocalModelFiles.class);
  private static final Object LOCK = new Object();

  private LocalModelFiles() {}

  /** The cache root of this JVM. */
  public static Path root() {
    String p = System.getProperty(ROOT_PROPERTY);
    return p != null && !p.isBlank() ? Paths.get(p)
        : Paths.get(System.getProperty("java.io.tmpdir"), "dualign-models-"
            + System.getProperty("user.name", "user"));
  }

  /** The folder of {@code version} in the cache (it may not exist). */
  public static Path folder(String version) {
    return root().resolve(version);
  }

  /**
   * A local folder holding the files of {@code ref}: written from its broadcast bytes, the local
   * path itself for a {@code file:} URI, or a copy of a remote folder.
   */
  static Path local(ModelRef ref) throws IOException {
    if (ref.bytes() != null) {
      return materialise(ref.bytes().value(), ref.version());
    }
    URI u = URI.create(ref.uri());
    if (u.getScheme() == null) {
      return Paths.get(ref.uri());
    }
    if ("file".equals(u.getScheme())) {
      return Paths.get(u);
    }
    Path dir = folder(ref.version());
    if (Files.isDirectory(dir)) {
      return dir;
    }
    org.apache.hadoop.fs.FileSystem fs = ref.fileSystem();
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : ref.files(new Configuration())) {
      try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(ref.uri(), name))) {
        files.put(name, in.readAllBytes());
      }
    }
    return materialise(new ModelPackage(ref.version(), files), ref.version());
  }

  /** Writes {@code pkg} as the cache folder of {@code version} unless it exists; returns it. */
  static Path materialise(ModelPackage pkg, String version) throws IOException {
    if (!pkg.version().equals(version)) {
      throw new IOException("model package holds version " + pkg.version() + " but version "
          + version + " was expected");
    }
    Path dir = folder(version);
    synchronized (LOCK) {
      if (Files.isDirectory(dir)) {
        return dir;
      }
      Files.createDirectories(root());
      Path tmp = Files.createTempDirectory(root(), ".partial-" + version.substring(0,
          Math.min(12, version.length())) + "-");
      try {
        for (Map.Entry<String, byte[]> f : pkg.files().entrySet()) {
          Files.write(tmp.resolve(f.getKey()), f.getValue());
        }
        try {
          Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
          LOG.info("model version {}: {} bytes written to {}", version, pkg.size(), dir);
        } catch (IOException moveFailed) {
          if (!Files.isDirectory(dir)) {
            throw moveFailed;
          }
          deleteTree(tmp); // another executor JVM on this machine wrote it first
        }
      } catch (IOException | RuntimeException e) {
        deleteTree(tmp);
        throw e;
      }
      return dir;
    }
  }

  /** Removes the cache folder of {@code version} (e.g. after its files failed their sha256). */
  static void evict(String version) throws IOException {
    synchronized (LOCK) {
      deleteTree(folder(version));
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
