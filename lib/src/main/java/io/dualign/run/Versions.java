package io.dualign.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * {@code Versions} are the versions a run records in its manifest: what dualign was built against
 * (from the build) and what runs now (Java, Spark on the classpath), plus the git commit when known.
 */
public final class Versions {
  private static final Properties BUILD = load();

  private Versions() {}

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Versions.class.getClassLoader()
        .getResourceAsStream("dualign-build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  /** A build property such as {@code djl.version}, or "unknown". */
  public static String built(String key) {
    return BUILD.getProperty(key, "unknown");
  }

  /** The Spark version on the classpath at run time. */
  public static String sparkRuntime() {
    return org.apache.spark.package$.MODULE$.SPARK_VERSION();
  }

  /**
   * The git commit the launcher passed ({@code -Ddualign.git.commit}), or "unknown" (e.g. a fat
   * jar submitted to a cluster without it).
   */
  public static String gitCommit() {
    return System.getProperty("dualign.git.commit", "unknown");
  }

  /** Everything above, for manifest.json. */
  public static Map<String, Object> all() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("dualign", built("dualign.version"));
    v.put("git_commit", gitCommit());
    v.put("java", System.getProperty("java.version"));
    v.put("spark", sparkRuntime());
    v.put("scala_binary", built("scala.binary.version"));
    v.put("djl", built("djl.version"));
    v.put("pytorch_native", built("pytorch.version"));
    return v;
  }
}
