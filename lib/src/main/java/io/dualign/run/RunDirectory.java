package io.dualign.run;

import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.StageMarker;
import io.dualign.vocabulary.Stage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@code RunDirectory} is the one folder (local path or any Hadoop URI) that holds everything a
 * run makes: {@code manifest.json} first, then one folder per stage. Outputs are written to a
 * temporary path and committed by rename plus a {@code _SUCCESS.json} marker, so a killed write
 * never looks finished and a rerun replaces it.
 *
 * <p>Rename is atomic on local file systems and HDFS; on object stores without atomic rename
 * (S3) the marker, written last, is still what makes an output committed.
 */
public final class RunDirectory {
  public static final String MANIFEST = "manifest.json";
  public static final String MARKER = "_SUCCESS.json";
  /** Hidden from Spark and Hadoop readers by its leading underscore. */
  public static final String TEMP_DIR = "_temporary";

  private final FileSystem fs;
  private final Path root;
  /** Where each output lives below the root (the identity, except in a {@link #placing} view). */
  private final UnaryOperator<String> placement;
  /** Shared by every view of the directory ({@link #placing}). */
  private final List<CommitObserver> observers;

  /**
   * A {@code CommitObserver} sees every output of the run directory commit, with its marker (the
   * run's tracker). It runs on the committing thread and must return quickly.
   */
  public interface CommitObserver {
    /** The marker about to be written for {@code output}, returned with fields added or as is. */
    default Map<String, Object> beforeCommit(String output, Map<String, Object> marker) {
      return marker;
    }

    /** {@code output} (its name below the root) is committed with {@code marker}. */
    void committed(String output, Map<String, Object> marker);
  }

  private RunDirectory(FileSystem fs, Path root, UnaryOperator<String> placement,
      List<CommitObserver> observers) {
    this.fs = fs;
    this.root = root;
    this.placement = placement;
    this.observers = observers;
  }

  /** Adds an observer of every later commit, in this view and every other view of the run. */
  public void observe(CommitObserver observer) {
    observers.add(Objects.requireNonNull(observer, "observer"));
  }

  private Map<String, Object> beforeCommit(String output, Map<String, Object> marker) {
    Map<String, Object> m = marker;
    for (CommitObserver o : observers) {
      m = o.beforeCommit(output, m);
    }
    return m;
  }

  private void committed(String output, Map<String, Object> marker) {
    for (CommitObserver o : observers) {
      o.committed(output, marker);
    }
  }

  /** A small JSON file at the top of the run directory (beside the manifest), if present. */
  public Optional<Map<String, Object>> readTopFile(String name) {
    return readJson(new Path(root, checkOutputName(name)));
  }

  /** Writes a small JSON file at the top of the run directory, completely or not at all. */
  public void writeTopFile(String name, Map<String, Object> content) {
    writeAtomically(new Path(root, checkOutputName(name)), Json.write(content));
  }

  /**
   * A view of this run directory in which each output {@code o} lives at
   * {@code placement.apply(o)} below the same root, with the same manifest: the threshold sweep
   * runs the solve-dual, align and evaluate stages of one b in such a view, so their outputs go
   * to {@code sweep/b=<b>/...} while their inputs (sample-ref, score, the models) are the run's
   * own. State, markers, commits and temporary folders all follow the placement.
   */
  public RunDirectory placing(UnaryOperator<String> placement) {
    Objects.requireNonNull(placement, "placement");
    return new RunDirectory(fs, root, placement, observers);
  }

  /** Opens (without creating) the run directory at {@code location}. */
  public static RunDirectory open(String location, Configuration hadoopConf) {
    Objects.requireNonNull(location, "run directory");
    if (location.isBlank()) {
      throw new ConfigError("--run-dir must not be empty");
    }
    try {
      Path p = new Path(location);
      URI uri = p.toUri();
      FileSystem fs = uri.getScheme() == null ? FileSystem.getLocal(hadoopConf)
          : FileSystem.get(uri, hadoopConf);
      return new RunDirectory(fs, fs.makeQualified(p), UnaryOperator.identity(),
          new java.util.concurrent.CopyOnWriteArrayList<>());
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigError("--run-dir " + location + " cannot be opened: " + e.getMessage(), e);
    }
  }

  public FileSystem fs() {
    return fs;
  }

  public Path root() {
    return root;
  }

  /** The final (committed) location of an output, e.g. {@code prepare} or {@code align/caid/iteration-2}. */
  public Path path(String output) {
    return new Path(root, placed(output));
  }

  /** The output's name below the root after this view's placement, checked. */
  private String placed(String output) {
    return checkOutputName(placement.apply(checkOutputName(output)));
  }

  /** The state of an output: committed (marker present), partial (leftovers), or absent. */
  public OutputState state(String output) {
    Path dir = path(output);
    try {
      if (fs.exists(new Path(dir, MARKER))) {
        return OutputState.COMMITTED;
      }
      if (fs.exists(dir) || !tempAttempts(output).isEmpty()) {
        return OutputState.PARTIAL;
      }
      return OutputState.ABSENT;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read state of " + dir, e);
    }
  }

  /**
   * The committed marker of an output as plain JSON, if it is committed, unchecked: for the
   * run directory's own mechanics. Code that reads a marker's fields reads its record
   * ({@link #marker(String, Class)}).
   */
  public Optional<Map<String, Object>> marker(String output) {
    return readJson(new Path(path(output), MARKER));
  }

  /**
   * The committed marker of an output as its record, if it is committed.
   *
   * @throws MarkerException when the marker lacks a required field or has one of the wrong type
   */
  public <M extends StageMarker> Optional<M> marker(String output, Class<M> type) {
    return Markers.read(fs, new Path(path(output), MARKER), type);
  }

  /** The run's manifest, if one was written. */
  public Optional<Map<String, Object>> manifest() {
    return readJson(new Path(root, MANIFEST));
  }

  /**
   * Writes {@code manifest.json} on the run's first invocation; on later ones checks that the
   * configuration matches the recorded one (all keys but {@code runtime.*} and {@link
   * DualignConfig#CHANGEABLE_ON_RESUME}) and returns the recorded manifest. A changed key of
   * {@code CHANGEABLE_ON_RESUME} is recorded: its new value in {@code config}, the change (time,
   * key, old and new value) appended to {@code config_changes}.
   *
   * @throws ConfigError when the configuration differs from the run's, naming the keys
   */
  public Map<String, Object> ensureManifest(DualignConfig config, Map<String, Object> versions) {
    Optional<Map<String, Object>> existing = manifest();
    if (existing.isPresent()) {
      return recordChanges(existing.get(), checkSameConfig(existing.get(), config));
    }
    refuseForeignDirectory();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run_id", UUID.randomUUID().toString());
    m.put("created", java.time.Instant.now().toString());
    m.put("run_dir", root.toString());
    m.put("profile", config.profile());
    m.put("versions", versions);
    m.put("seeds", Map.of("run.seed", config.run().seed()));
    m.put("config", config.identityValues());
    m.put("runtime_at_creation", runtimeValues(config));
    m.put("inputs", Map.of());
    writeAtomically(new Path(root, MANIFEST), Json.write(m));
    return m;
  }

  /**
   * Refuses to start a run in an existing directory that has no manifest but holds, under a
   * stage's name, something that is not a dualign output (a file, or a folder with no
   * {@code _SUCCESS.json} within three levels): it would count as a partial output and be deleted.
   *
   * @throws ConfigError naming the directory and the folders in the way
   */
  private void refuseForeignDirectory() {
    try {
      if (!fs.exists(root)) {
        return;
      }
      if (!fs.getFileStatus(root).isDirectory()) {
        throw new ConfigError("--run-dir = " + root + " is not allowed: it is a file, expected a "
            + "directory (new or a dualign run)");
      }
      TreeSet<String> clash = new TreeSet<>();
      for (FileStatus c : fs.listStatus(root)) {
        String name = c.getPath().getName();
        if (java.util.Arrays.stream(Stage.values()).anyMatch(st -> st.cliName().equals(name))
            && !(c.isDirectory() && holdsMarker(c.getPath(), 3))) {
          clash.add(name);
        }
      }
      if (!clash.isEmpty()) {
        throw new ConfigError("--run-dir = " + root + " is not allowed: it holds " + clash
            + " that are not dualign outputs and no " + MANIFEST + ", so it is not a dualign run "
            + "directory and a run would replace them; use a new or empty directory");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list run directory " + root, e);
    }
  }

  /** Whether {@code dir} or a folder up to {@code depth} levels below it holds a marker. */
  private boolean holdsMarker(Path dir, int depth) throws IOException {
    for (FileStatus c : fs.listStatus(dir)) {
      if (c.isFile() && c.getPath().getName().equals(MARKER)) {
        return true;
      }
      if (c.isDirectory() && depth > 1 && holdsMarker(c.getPath(), depth - 1)) {
        return true;
      }
    }
    return false;
  }

  /** Records the sha256 of inputs a stage read, in the manifest's {@code inputs} map. */
  @SuppressWarnings("unchecked")
  public void recordInputs(Map<String, String> sha256ByInput) {
    Map<String, Object> m = new LinkedHashMap<>(manifest().orElseThrow(
        () -> new IllegalStateException("no manifest.json in " + root)));
    Map<String, Object> inputs = new LinkedHashMap<>((Map<String, Object>) m.get("inputs"));
    inputs.putAll(sha256ByInput);
    m.put("inputs", inputs);
    writeAtomically(new Path(root, MANIFEST), Json.write(m));
  }

  private static Map<String, Object> runtimeValues(DualignConfig config) {
    Map<String, Object> r = new LinkedHashMap<>(config.values());
    r.keySet().removeIf(k -> !k.startsWith(DualignConfig.RUNTIME_SECTION));
    return r;
  }

  /**
   * Refuses a configuration that differs from the manifest's outside the keys that may change;
   * returns the changed keys that may (key → new value).
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> checkSameConfig(Map<String, Object> manifest, DualignConfig config) {
    Map<String, Object> recorded = (Map<String, Object>) manifest.getOrDefault("config", Map.of());
    Map<String, Object> now = config.identityValues();
    List<String> diffs = new ArrayList<>();
    Map<String, Object> changeable = new LinkedHashMap<>();
    for (String key : new TreeSet<>(union(recorded.keySet(), now.keySet()))) {
      Object a = normalise(recorded.get(key));
      Object b = normalise(now.get(key));
      if (Objects.equals(a, b)) {
        continue;
      }
      if (DualignConfig.CHANGEABLE_ON_RESUME.contains(key)) {
        changeable.put(key, now.get(key));
      } else if (!recorded.containsKey(key)) {
        diffs.add(key + " is new (the run was made by an earlier dualign without it), now " + b);
      } else {
        diffs.add(key + " was " + a + ", now " + b);
      }
    }
    if (!diffs.isEmpty()) {
      throw new ConfigError("run directory " + root + " was made with another configuration ("
          + String.join("; ", diffs) + "); resume with the same settings or use a new --run-dir"
          + " (of the keys outside runtime.* only " + new TreeSet<>(
              DualignConfig.CHANGEABLE_ON_RESUME) + " may change on a run)");
    }
    return changeable;
  }

  /** Writes the changed keys into the manifest (see {@link #ensureManifest}); returns it. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> recordChanges(Map<String, Object> manifest,
      Map<String, Object> changed) {
    if (changed.isEmpty()) {
      return manifest;
    }
    Map<String, Object> m = new LinkedHashMap<>(manifest);
    Map<String, Object> config = new java.util.TreeMap<>(
        (Map<String, Object>) m.getOrDefault("config", Map.of()));
    List<Object> changes = new ArrayList<>((List<Object>) m.getOrDefault("config_changes",
        List.of()));
    String at = java.time.Instant.now().toString();
    for (Map.Entry<String, Object> e : changed.entrySet()) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("at", at);
      c.put("key", e.getKey());
      c.put("was", config.get(e.getKey()));
      c.put("now", e.getValue());
      changes.add(c);
      config.put(e.getKey(), e.getValue());
    }
    m.put("config", config);
    m.put("config_changes", changes);
    writeAtomically(new Path(root, MANIFEST), Json.write(m));
    return m;
  }

  private static TreeSet<String> union(java.util.Set<String> a, java.util.Set<String> b) {
    TreeSet<String> s = new TreeSet<>(a);
    s.addAll(b);
    return s;
  }

  /** JSON round trips turn longs into ints and lists into ArrayLists; compare by value. */
  private static Object normalise(Object v) {
    if (v instanceof Number n) {
      double d = n.doubleValue();
      return d == Math.rint(d) ? (Object) (long) d : (Object) d;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(RunDirectory::normalise).toList();
    }
    return v;
  }

  /**
   * Deletes an output (committed or not) and any temporary attempt at it: for an output that is
   * out of date and about to be redone.
   */
  public void discard(String output) {
    try {
      fs.delete(path(output), true);
      for (Path p : tempAttempts(output)) {
        fs.delete(p, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path(output), e);
    }
  }

  /**
   * Removes an output's marker only, so a committed composite output (one committed part by
   * part) becomes partial and a rerun keeps its committed parts.
   */
  public void uncommit(String output) {
    try {
      fs.delete(new Path(path(output), MARKER), false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the marker of " + path(output), e);
    }
  }

  /**
   * Starts writing an output: removes leftovers of earlier attempts and returns a temporary path
   * to write to. Commit it with {@link PendingOutput#commit}.
   *
   * @throws IllegalStateException when the output is already committed
   */
  public PendingOutput begin(String output) {
    Path finalPath = path(output);
    try {
      if (fs.exists(new Path(finalPath, MARKER))) {
        throw new IllegalStateException(output + " is already committed in " + root);
      }
      for (Path stale : tempAttempts(output)) {
        fs.delete(stale, true);
      }
      Path temp = new Path(new Path(root, TEMP_DIR), tempPrefix(placed(output))
          + UUID.randomUUID());
      fs.mkdirs(temp);
      return new PendingOutput(this, placed(output), temp, finalPath);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + output + " in " + root, e);
    }
  }

  /**
   * Commits an output whose content is other outputs committed one by one below it (e.g.
   * {@code align/caid} over its {@code iteration-<t>} folders): writes only its marker, with the
   * same added fields as {@link PendingOutput#commit}, and removes nothing.
   *
   * @return the marker as written
   */
  public Map<String, Object> commitComposite(String output, Map<String, Object> summary) {
    Map<String, Object> marker = new LinkedHashMap<>(summary);
    marker.put("output", placed(output));
    marker.put("finished", java.time.Instant.now().toString());
    marker = beforeCommit(placed(output), marker);
    writeAtomically(new Path(path(output), MARKER), Json.write(marker));
    committed(placed(output), marker);
    return marker;
  }

  /** Moves a finished temporary output into place and writes its marker last. */
  void commit(PendingOutput pending, Map<String, Object> summary) throws IOException {
    Path finalPath = pending.finalPath();
    if (fs.exists(finalPath)) {
      // A partial (never committed) earlier attempt: replaced, never merged.
      fs.delete(finalPath, true);
    }
    fs.mkdirs(finalPath.getParent());
    if (!fs.rename(pending.path(), finalPath)) {
      throw new IOException("rename " + pending.path() + " -> " + finalPath + " failed");
    }
    Map<String, Object> marker = beforeCommit(pending.output(), summary);
    writeAtomically(new Path(finalPath, MARKER), Json.write(marker));
    committed(pending.output(), marker);
  }

  private List<Path> tempAttempts(String output) throws IOException {
    Path tempRoot = new Path(root, TEMP_DIR);
    List<Path> found = new ArrayList<>();
    if (!fs.exists(tempRoot)) {
      return found;
    }
    String prefix = tempPrefix(placed(output));
    for (FileStatus s : fs.listStatus(tempRoot)) {
      if (s.getPath().getName().startsWith(prefix)) {
        found.add(s.getPath());
      }
    }
    return found;
  }

  private static String tempPrefix(String output) {
    return output.replace('/', '~') + "@";
  }

  private static String checkOutputName(String output) {
    if (output == null
        || !output.matches("[a-z0-9][a-z0-9._=-]*(/[a-z0-9][a-z0-9._=-]*)*")) {
      throw new IllegalArgumentException("bad output name '" + output + "'");
    }
    return output;
  }

  /** Writes a small file completely or not at all (write to a sibling, then rename). */
  void writeAtomically(Path target, byte[] bytes) {
    Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID());
    try {
      fs.mkdirs(target.getParent());
      try (OutputStream out = fs.create(tmp, false)) {
        out.write(bytes);
      }
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("rename " + tmp + " -> " + target + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  private Optional<Map<String, Object>> readJson(Path p) {
    try (InputStream in = fs.open(p)) {
      return Optional.of(Json.readMap(in.readAllBytes()));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p, e);
    }
  }

  /** Checks the directory can be created and written; returns a problem description or null. */
  public String writableProblem() {
    Path probe = new Path(root, "._dualign_write_probe_" + UUID.randomUUID());
    try {
      fs.mkdirs(root);
      try (OutputStream out = fs.create(probe, false)) {
        out.write(1);
      }
      fs.delete(probe, false);
      return null;
    } catch (IOException | RuntimeException e) {
      return e.toString();
    }
  }
}
