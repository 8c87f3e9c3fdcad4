package io.dualign.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code ConfigLocations} validates, before anything runs, every location the configuration names
 * ({@link #KEYS}) and the run directory: each must be a path or URI that a Hadoop file system of
 * this JVM serves (never a download scheme: dualign runs offline), without control characters,
 * not climbing above its file system's root, and, when it is local, existing (a glob must match
 * a file). Remote locations (hdfs://, s3a://, ...) are checked by the stage that reads them: a
 * driver may not reach them before Spark is configured. A key's default value (e.g.
 * {@code data.input = "synthetic"}, {@code evaluate.extraPrompts = ""}) means "no location" and is
 * not checked. Every problem is a {@link ConfigError} (exit 2) whose one line names the key, the
 * value and the reason.
 */
public final class ConfigLocations {
  /** How a location key may be written. */
  public enum Form {
    /** One file, directory or glob. */
    ONE,
    /** A comma-separated list of files, directories or globs (Spark's and Hadoop's input form). */
    LIST
  }

  /**
   * Every configuration key that names a location, with its form. A new key holding a model,
   * data or output location belongs here.
   */
  public static final Map<String, Form> KEYS = Map.of(
      "data.input", Form.LIST,
      "evaluate.extraPrompts", Form.ONE,
      "model.policy", Form.ONE,
      "model.reward", Form.ONE,
      "model.cost", Form.ONE);

  /** Schemes that would fetch over the network at run time: refused (offline rule). */
  static final Set<String> DOWNLOAD_SCHEMES = Set.of("http", "https", "ftp", "sftp", "jar");

  private ConfigLocations() {}

  /**
   * {@code config} with each location key's (and each comma-separated entry's) leading
   * {@code ~/} read as the home directory, as a shell would (where {@code fetch-model} installs
   * models: {@code ~/.cache/dualign/models}); other values as they are.
   */
  static com.typesafe.config.Config expandHome(com.typesafe.config.Config config) {
    com.typesafe.config.Config out = config;
    for (String key : KEYS.keySet()) {
      if (!config.hasPath(key)) {
        continue;
      }
      String v = config.getString(key);
      List<String> parts = new ArrayList<>();
      for (String part : v.split(",", -1)) {
        String p = part.strip();
        parts.add(p.startsWith("~/") ? System.getProperty("user.home") + p.substring(1) : part);
      }
      String expanded = String.join(",", parts);
      if (!expanded.equals(v)) {
        out = out.withValue(key, com.typesafe.config.ConfigValueFactory.fromAnyRef(expanded,
            "~/ of " + key + " as the home directory"));
      }
    }
    return out;
  }

  /**
   * Checks every location key of {@code config} that differs from its default, and the run
   * directory (when not null).
   *
   * @throws ConfigError naming the key (or {@code --run-dir}), the value and the reason
   */
  public static void check(DualignConfig config, Map<String, KeyDeclaration> declarations,
      String runDir) {
    Configuration hadoop = null;
    for (Map.Entry<String, Form> e : new TreeMap<>(KEYS).entrySet()) {
      Object value = config.values().get(e.getKey());
      KeyDeclaration decl = declarations.get(e.getKey());
      if (!(value instanceof String s) || decl == null
          || s.equals(decl.defaultValue().unwrapped())) {
        continue;
      }
      if (hadoop == null) {
        hadoop = new Configuration();
      }
      checkLocation(e.getKey(), s, e.getValue(), true, hadoop);
    }
    if (runDir != null) {
      checkRunDir(runDir, hadoop == null ? new Configuration() : hadoop);
    }
  }

  /**
   * Checks the run directory's location: a valid path or URI of a served file system, not a
   * regular file. It need not exist (the first stage creates it).
   */
  public static void checkRunDir(String runDir, Configuration hadoop) {
    String name = "--run-dir";
    if (runDir == null || runDir.isBlank()) {
      throw new ConfigError("--run-dir must not be empty");
    }
    checkLocation(name, runDir, Form.ONE, false, hadoop);
    Path p = new Path(runDir.strip());
    if (isLocal(p) && !hasGlob(runDir)) {
      java.nio.file.Path local = localPath(name, runDir, p);
      if (Files.exists(local) && !Files.isDirectory(local)) {
        throw bad(name, runDir, "it is a file, expected a directory (new or a dualign run)");
      }
    } else if (hasGlob(runDir)) {
      throw bad(name, runDir, "a run directory cannot be a glob pattern");
    }
  }

  /**
   * Checks one location value.
   *
   * @param key the configuration key (or option name) for the message
   * @param mustExist whether a local location must exist (inputs) or may be created (outputs)
   */
  public static void checkLocation(String key, String value, Form form, boolean mustExist,
      Configuration hadoop) {
    if (value.isBlank()) {
      throw bad(key, value, "empty location");
    }
    List<String> parts = new ArrayList<>();
    if (form == Form.LIST) {
      for (String part : value.split(",", -1)) {
        if (part.isBlank()) {
          throw bad(key, value, "empty entry in the comma-separated list");
        }
        parts.add(part.strip());
      }
    } else {
      parts.add(value.strip());
    }
    for (String part : parts) {
      checkOne(key, value, part, mustExist, hadoop);
    }
  }

  private static void checkOne(String key, String value, String part, boolean mustExist,
      Configuration hadoop) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        throw bad(key, value, String.format(Locale.ROOT,
            "contains the control character U+%04X", (int) c));
      }
    }
    Path p;
    try {
      p = new Path(part);
    } catch (IllegalArgumentException e) {
      throw bad(key, value, "'" + part + "' is not a valid path or URI (" + e.getMessage() + ")");
    }
    String scheme = p.toUri().getScheme();
    if (scheme != null) {
      String s = scheme.toLowerCase(Locale.ROOT);
      if (DOWNLOAD_SCHEMES.contains(s)) {
        throw bad(key, value, "scheme '" + s + "' is not supported: dualign never downloads at "
            + "run time; copy the data to local or shared storage (file://, hdfs://, s3a://)");
      }
      if (!servedScheme(s, hadoop)) {
        throw bad(key, value, "unsupported scheme '" + s + "': no Hadoop file system serves it in "
            + "this JVM (e.g. s3a:// needs hadoop-aws on the classpath)");
      }
    }
    String uriPath = p.toUri().getPath();
    if (uriPath != null && uriPath.startsWith("/") && climbs(uriPath)) {
      throw bad(key, value, "'" + part + "' climbs above the file system root ('..' left "
          + "after normalising: " + uriPath + ")");
    }
    if (!isLocal(p) || !mustExist) {
      return;
    }
    if (hasGlob(part)) {
      try {
        FileSystem fs = FileSystem.getLocal(hadoop);
        FileStatus[] matched = fs.globStatus(p);
        if (matched == null || matched.length == 0) {
          throw bad(key, value, "'" + part + "' matches no local file");
        }
      } catch (IOException e) {
        throw bad(key, value, "cannot list '" + part + "': " + e.getMessage());
      }
      return;
    }
    java.nio.file.Path local = localPath(key, value, p);
    if (!Files.exists(local)) {
      throw bad(key, value, "no such local file or directory: " + local);
    }
    if (!Files.isReadable(local)) {
      throw bad(key, value, "not readable: " + local);
    }
  }

  /** Whether a Hadoop file system class serves {@code scheme} (configured or on the classpath). */
  static boolean servedScheme(String scheme, Configuration hadoop) {
    if (System.getProperty("spark.hadoop.fs." + scheme + ".impl") != null) {
      return true;
    }
    try {
      return FileSystem.getFileSystemClass(scheme, hadoop) != null;
    } catch (IOException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Whether an absolute, normalised path still holds a ".." segment (it climbs above "/"). */
  static boolean climbs(String absolutePath) {
    for (String segment : absolutePath.split("/")) {
      if (segment.equals("..")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isLocal(Path p) {
    String scheme = p.toUri().getScheme();
    return scheme == null || scheme.equalsIgnoreCase("file");
  }

  private static boolean hasGlob(String s) {
    return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0
        || s.indexOf('{') >= 0;
  }

  private static java.nio.file.Path localPath(String key, String value, Path p) {
    try {
      return Paths.get(p.toUri().getPath()).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw bad(key, value, "not a valid local path (" + e.getMessage() + ")");
    }
  }

  private static ConfigError bad(String key, String value, String reason) {
    String shown = value.codePoints().anyMatch(c -> c < 0x20 || c == 0x7f)
        ? value.replaceAll("\\p{Cntrl}", "?") : value;
    return new ConfigError(key + " = " + shown + " is not allowed: " + reason);
  }
}
