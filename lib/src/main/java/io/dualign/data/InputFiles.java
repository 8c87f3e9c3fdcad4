package io.dualign.data;

import io.dualign.config.ConfigError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code InputFiles} resolves a {@code data.input} location (a file, a directory, a glob, or a
 * comma-separated list of those; local paths or any Hadoop URI) into the data files it names,
 * sorted, split into JSON-lines files (plain or compressed) and parquet files. Hidden files
 * ({@code _} or {@code .} prefixes, like {@code _SUCCESS}) are skipped inside directories.
 */
public record InputFiles(List<String> jsonLines, List<String> parquet) {

  /** Resolves {@code location}; throws {@link ConfigError} naming what matched nothing. */
  public static InputFiles resolve(String location, Configuration conf) {
    List<String> json = new ArrayList<>();
    List<String> pq = new ArrayList<>();
    try {
      for (String part : location.split(",")) {
        String loc = part.strip();
        if (loc.isEmpty()) {
          continue;
        }
        Path p = new Path(loc);
        FileSystem fs = p.getFileSystem(conf);
        FileStatus[] matched = fs.globStatus(p);
        if (matched == null || matched.length == 0) {
          throw new ConfigError("data.input: " + loc + " does not exist or matches no file");
        }
        List<FileStatus> files = new ArrayList<>();
        for (FileStatus s : matched) {
          collect(fs, s, files, false);
        }
        for (FileStatus f : files) {
          String uri = f.getPath().toString();
          if (isParquet(uri)) {
            pq.add(uri);
          } else {
            json.add(uri);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list input " + location, e);
    }
    json.sort(null);
    pq.sort(null);
    if (json.isEmpty() && pq.isEmpty()) {
      throw new ConfigError("data.input: " + location + " holds no data files");
    }
    return new InputFiles(List.copyOf(json), List.copyOf(pq));
  }

  private static void collect(FileSystem fs, FileStatus s, List<FileStatus> out, boolean nested)
      throws IOException {
    String name = s.getPath().getName();
    if (nested && (name.startsWith("_") || name.startsWith("."))) {
      return;
    }
    if (s.isDirectory()) {
      for (FileStatus c : fs.listStatus(s.getPath())) {
        collect(fs, c, out, true);
      }
    } else if (!nested || isData(name)) {
      out.add(s);
    }
  }

  private static boolean isData(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".jsonl.gz")
        || n.endsWith(".json.gz") || n.endsWith(".gz") || n.endsWith(".bz2") || n.endsWith(".zst")
        || n.endsWith(".parquet") || n.endsWith(".txt") || n.startsWith("part-");
  }

  static boolean isParquet(String uri) {
    return uri.toLowerCase(Locale.ROOT).endsWith(".parquet");
  }

  public int count() {
    return jsonLines.size() + parquet.size();
  }
}
