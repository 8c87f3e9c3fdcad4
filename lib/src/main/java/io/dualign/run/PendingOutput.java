package io.dualign.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * A {@code PendingOutput} is an output being written: a stage writes under {@link #path()} and
 * calls {@link #commit} once everything is there. Until then nothing is visible at the final
 * location; an attempt that dies leaves only a temporary folder the next attempt removes.
 */
public final class PendingOutput {
  private final RunDirectory runDir;
  private final String output;
  private final Path path;
  private final Path finalPath;
  private final Instant started = Instant.now();

  PendingOutput(RunDirectory runDir, String output, Path path, Path finalPath) {
    this.runDir = runDir;
    this.output = output;
    this.path = path;
    this.finalPath = finalPath;
  }

  /** Where to write: a temporary folder, renamed to the final location on commit. */
  public Path path() {
    return path;
  }

  /** The same path as a string URI, for Spark writers. */
  public String uri(String child) {
    return new Path(path, child).toString();
  }

  public String output() {
    return output;
  }

  Path finalPath() {
    return finalPath;
  }

  /**
   * Abandons the output: removes its temporary folder, as if the attempt had never started (for a
   * stage refused before it wrote anything, e.g. because its input stage is not committed).
   */
  public void abort() {
    try {
      runDir.fs().delete(path, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + path, e);
    }
  }

  /**
   * Commits the output with its summary (counts, timings, versions, λ...), which becomes the
   * {@code _SUCCESS.json} marker; {@code output}, {@code started}, {@code finished} and
   * {@code seconds} are added.
   *
   * @return the marker as written
   */
  public Map<String, Object> commit(Map<String, Object> summary) {
    Map<String, Object> marker = new LinkedHashMap<>(summary);
    Instant finished = Instant.now();
    marker.put("output", output);
    marker.put("started", started.toString());
    marker.put("finished", finished.toString());
    marker.put("seconds", Duration.between(started, finished).toMillis() / 1000.0);
    try {
      runDir.commit(this, marker);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit " + output + " in " + runDir.root(), e);
    }
    return marker;
  }
}
