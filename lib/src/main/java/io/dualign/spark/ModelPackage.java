package io.dualign.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@code ModelPackage} is a model folder's files as bytes, the value the driver broadcasts when
 * executors cannot read the model's URI ({@link ModelDelivery}). Executors write it into their
 * local model cache ({@link LocalModelFiles}) and load it from there, checking every sha256.
 *
 * @param version the model version the files must load as
 * @param files file name (relative to the folder) to its bytes
 */
public record ModelPackage(String version, Map<String, byte[]> files) implements Serializable {
  public ModelPackage {
    files = new LinkedHashMap<>(files);
    for (String name : files.keySet()) {
      if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
        throw new IllegalArgumentException("model package of version " + version
            + " holds a file name that is not a plain name: '" + name + "'");
      }
    }
  }

  /** Total bytes of the files. */
  public long size() {
    return files.values().stream().mapToLong(b -> b.length).sum();
  }
}
