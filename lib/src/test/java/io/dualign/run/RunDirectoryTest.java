package io.dualign.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigError;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
  private static final ConfigLoader LOADER = ConfigLoader.fromClasspath();

  private static RunDirectory open(Path dir) {
    return RunDirectory.open(dir.toString(), new Configuration());
  }

  @Test
  void manifestIsWrittenOnceWithConfigVersionsAndSeeds(@TempDir Path dir) throws Exception {
    RunDirectory run = open(dir.resolve("r"));
    DualignConfig cfg = LOADER.load("tiny", null, List.of("run.seed=7"));
    Map<String, Object> m = run.ensureManifest(cfg, Versions.all());
    assertTrue(Files.isRegularFile(dir.resolve("r/manifest.json")));
    Map<String, Object> read = run.manifest().orElseThrow();
    assertEquals(m.get("run_id"), read.get("run_id"));
    assertEquals("tiny", read.get("profile"));
    assertEquals(Map.of("run.seed", 7), read.get("seeds"));
    @SuppressWarnings("unchecked")
    Map<String, Object> config = (Map<String, Object>) read.get("config");
    assertEquals(7, config.get("run.seed"));
    @SuppressWarnings("unchecked")
    Map<String, Object> versions = (Map<String, Object>) read.get("versions");
    assertEquals("4.2.0", versions.get("spark"));
    assertEquals("0.36.0", versions.get("djl"));
    assertEquals("2.7.1", versions.get("pytorch_native"));
    // Second invocation: same run id, manifest untouched.
    Map<String, Object> again = run.ensureManifest(cfg, Versions.all());
    assertEquals(m.get("run_id"), again.get("run_id"));
  }

  @Test
  void aForeignDirectoryWhoseFoldersARunWouldReplaceIsRefused(@TempDir Path dir) throws Exception {
    DualignConfig cfg = LOADER.load("tiny", null, List.of());
    Files.createDirectories(dir.resolve("home/report"));
    Files.writeString(dir.resolve("home/report/notes.txt"), "mine");
    Files.createDirectories(dir.resolve("home/_temporary"));
    Files.writeString(dir.resolve("home/data.jsonl"), "{}");
    RunDirectory run = open(dir.resolve("home"));
    ConfigError e = assertThrows(ConfigError.class, () -> run.ensureManifest(cfg, Versions.all()));
    assertEquals("--run-dir = " + run.root() + " is not allowed: it holds [report] that are not "
        + "dualign outputs and no manifest.json, so it is not a dualign run directory and a run "
        + "would replace them; use a new or empty directory", e.getMessage());
    assertTrue(Files.exists(dir.resolve("home/report/notes.txt")));
    assertFalse(Files.exists(dir.resolve("home/manifest.json")));
    // Other files and committed outputs (a marker within three levels) do not make a directory
    // foreign; a file is not a directory.
    Files.createDirectories(dir.resolve("mine/align/caid/iteration-1"));
    Files.writeString(dir.resolve("mine/align/caid/iteration-1/_SUCCESS.json"), "{}");
    Files.createDirectories(dir.resolve("mine/_temporary"));
    Files.writeString(dir.resolve("mine/data.jsonl"), "{}");
    open(dir.resolve("mine")).ensureManifest(cfg, Versions.all());
    assertTrue(Files.exists(dir.resolve("mine/manifest.json")));
    Files.writeString(dir.resolve("file"), "x");
    RunDirectory file = open(dir.resolve("file"));
    assertEquals("--run-dir = " + file.root() + " is not allowed: it is a file, expected a "
        + "directory (new or a dualign run)", assertThrows(ConfigError.class,
            () -> file.ensureManifest(cfg, Versions.all())).getMessage());
  }

  @Test
  void resumeWithAnotherConfigIsRefusedNamingTheKey(@TempDir Path dir) {
    RunDirectory run = open(dir);
    run.ensureManifest(LOADER.load("tiny", null, List.of("run.seed=7")), Versions.all());
    ConfigError e = assertThrows(ConfigError.class, () -> run.ensureManifest(
        LOADER.load("tiny", null, List.of("run.seed=8")), Versions.all()));
    assertTrue(e.getMessage().contains("run.seed was 7, now 8"), e.getMessage());
    assertTrue(e.getMessage().contains("only [dual.sweep] may change"), e.getMessage());
    // runtime.* may change between invocations.
    run.ensureManifest(LOADER.load("tiny", null,
        List.of("run.seed=7", "runtime.master=local[1]", "runtime.djlThreadsPerTask=4")),
        Versions.all());
  }

  @Test
  @SuppressWarnings("unchecked")
  void aSweepMayBeAddedOrChangedOnResumeAndIsRecorded(@TempDir Path dir) {
    RunDirectory run = open(dir);
    run.ensureManifest(LOADER.load("tiny", null, List.of("run.seed=7")), Versions.all());
    Map<String, Object> m = run.ensureManifest(LOADER.load("tiny", null,
        List.of("run.seed=7", "dual.sweep=[0.5,1.0]")), Versions.all());
    run.ensureManifest(LOADER.load("tiny", null, List.of("run.seed=7", "dual.sweep=[1.0]")),
        Versions.all());
    Map<String, Object> read = run.manifest().orElseThrow();
    assertEquals(m.get("run_id"), read.get("run_id"));
    assertEquals(List.of(1.0), ((Map<String, Object>) read.get("config")).get("dual.sweep"));
    List<Map<String, Object>> changes = (List<Map<String, Object>>) read.get("config_changes");
    assertEquals(2, changes.size());
    assertEquals("dual.sweep", changes.get(0).get("key"));
    assertEquals(List.of(), changes.get(0).get("was"));
    assertEquals(List.of(0.5, 1.0), changes.get(0).get("now"));
    assertEquals(List.of(0.5, 1.0), changes.get(1).get("was"));
    assertEquals(List.of(1.0), changes.get(1).get("now"));
    // the same sweep again changes nothing; another key is still refused
    run.ensureManifest(LOADER.load("tiny", null, List.of("run.seed=7", "dual.sweep=[1.0]")),
        Versions.all());
    assertEquals(2, ((List<Object>) run.manifest().orElseThrow().get("config_changes")).size());
    ConfigError e = assertThrows(ConfigError.class, () -> run.ensureManifest(LOADER.load("tiny",
        null, List.of("run.seed=8", "dual.sweep=[2.0]")), Versions.all()));
    assertTrue(e.getMessage().contains("run.seed was 7, now 8"), e.getMessage());
    assertFalse(e.getMessage().contains("dual.sweep was"), e.getMessage());
  }

  /** A run made before a key existed cannot be resumed: the message says why, not "null". */
  @Test
  @SuppressWarnings("unchecked")
  void aKeyTheRunDidNotHaveIsNamedAsNew(@TempDir Path dir) throws Exception {
    RunDirectory run = open(dir);
    run.ensureManifest(LOADER.defaults(), Versions.all());
    Map<String, Object> m = new LinkedHashMap<>(run.manifest().orElseThrow());
    Map<String, Object> config = new LinkedHashMap<>((Map<String, Object>) m.get("config"));
    config.remove("dual.safeRlhf.lambdaMax");
    m.put("config", config);
    Files.write(dir.resolve(RunDirectory.MANIFEST), Json.write(m));
    Files.deleteIfExists(dir.resolve("." + RunDirectory.MANIFEST + ".crc")); // Hadoop's checksum
    ConfigError e = assertThrows(ConfigError.class,
        () -> run.ensureManifest(LOADER.defaults(), Versions.all()));
    assertTrue(e.getMessage().contains("dual.safeRlhf.lambdaMax is new (the run was made by an "
        + "earlier dualign without it), now 5"), e.getMessage());
  }

  @Test
  void discardAndUncommitRemoveAnOutputOrOnlyItsMarker(@TempDir Path dir) throws Exception {
    RunDirectory run = open(dir);
    run.ensureManifest(LOADER.defaults(), Versions.all());
    for (String name : List.of("report", "sweep")) {
      PendingOutput out = run.begin(name);
      Files.writeString(Paths.get(out.path().toUri()).resolve("part"), "x");
      out.commit(Map.of());
      assertEquals(OutputState.COMMITTED, run.state(name));
    }
    run.discard("report");
    assertEquals(OutputState.ABSENT, run.state("report"));
    assertFalse(Files.exists(dir.resolve("report")));
    run.uncommit("sweep");
    assertEquals(OutputState.PARTIAL, run.state("sweep"));
    assertEquals("x", Files.readString(dir.resolve("sweep/part")));
  }

  @Test
  void recordInputsAddsChecksumsToTheManifest(@TempDir Path dir) {
    RunDirectory run = open(dir);
    run.ensureManifest(LOADER.defaults(), Versions.all());
    run.recordInputs(Map.of("file:/data/a.jsonl", "ab12"));
    run.recordInputs(Map.of("file:/data/b.jsonl", "cd34"));
    assertEquals(Map.of("file:/data/a.jsonl", "ab12", "file:/data/b.jsonl", "cd34"),
        run.manifest().orElseThrow().get("inputs"));
  }

  @Test
  void commitMovesTheOutputIntoPlaceAndWritesTheMarkerLast(@TempDir Path dir) throws Exception {
    RunDirectory run = open(dir);
    assertEquals(OutputState.ABSENT, run.state("prepare"));
    PendingOutput out = run.begin("prepare");
    Files.writeString(Paths.get(out.path().toUri()).resolve("part-0.txt"), "rows");
    assertEquals(OutputState.PARTIAL, run.state("prepare"));
    assertFalse(Files.exists(dir.resolve("prepare")));
    Map<String, Object> marker = out.commit(Map.of("pairs", 12));
    assertEquals(OutputState.COMMITTED, run.state("prepare"));
    assertEquals("rows", Files.readString(dir.resolve("prepare/part-0.txt")));
    Map<String, Object> read = run.marker("prepare").orElseThrow();
    assertEquals(12, read.get("pairs"));
    assertEquals("prepare", read.get("output"));
    assertEquals(marker.get("finished"), read.get("finished"));
    try (var temps = Files.list(dir.resolve(RunDirectory.TEMP_DIR))) {
      assertEquals(0, temps.count());
    }
    assertThrows(IllegalStateException.class, () -> run.begin("prepare"));
  }

  @Test
  void aPartialFinalFolderIsReplacedNotMerged(@TempDir Path dir) throws Exception {
    RunDirectory run = open(dir);
    Files.createDirectories(dir.resolve("sft"));
    Files.writeString(dir.resolve("sft/stale.bin"), "old");
    assertEquals(OutputState.PARTIAL, run.state("sft"));
    PendingOutput out = run.begin("sft");
    Files.writeString(Paths.get(out.path().toUri()).resolve("model.bin"), "new");
    out.commit(Map.of());
    assertFalse(Files.exists(dir.resolve("sft/stale.bin")));
    assertEquals("new", Files.readString(dir.resolve("sft/model.bin")));
  }

  @Test
  void nestedOutputsCommitIndependently(@TempDir Path dir) {
    RunDirectory run = open(dir);
    run.begin("align/caid/iteration-1").commit(Map.of("lambda", List.of(0.5)));
    assertEquals(OutputState.COMMITTED, run.state("align/caid/iteration-1"));
    assertEquals(OutputState.PARTIAL, run.state("align"));
    assertEquals(OutputState.ABSENT, run.state("align/caid/iteration-2"));
    assertThrows(IllegalArgumentException.class, () -> run.begin("../escape"));
    assertThrows(IllegalArgumentException.class, () -> run.begin("Align"));
  }

  /**
   * A real writer process is killed with SIGKILL in the middle of writing: no marker is left,
   * the state is partial, and the next attempt removes the leftovers and commits.
   */
  @Test
  void aKilledWriteLeavesNoMarkerAndARerunCommits(@TempDir Path dir) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        KilledWriter.class.getName(), dir.toString(), "prepare"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = r.readLine();
      } while (line != null && !line.equals(KilledWriter.WRITING));
      assertEquals(KilledWriter.WRITING, line, "writer did not start");
      p.destroyForcibly(); // SIGKILL
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    }
    RunDirectory run = open(dir);
    assertEquals(OutputState.PARTIAL, run.state("prepare"));
    assertTrue(run.marker("prepare").isEmpty());
    assertFalse(Files.exists(dir.resolve("prepare")));

    PendingOutput again = run.begin("prepare");
    try (var temps = Files.list(dir.resolve(RunDirectory.TEMP_DIR))) {
      assertEquals(1, temps.count(), "the killed attempt's temp folder is removed");
    }
    Files.writeString(Paths.get(again.path().toUri()).resolve("part-0.txt"), "complete");
    again.commit(Map.of("rows", 1));
    assertEquals(OutputState.COMMITTED, run.state("prepare"));
    try (var files = Files.list(dir.resolve("prepare"))) {
      assertEquals(List.of("_SUCCESS.json", "part-0.txt"),
          files.map(f -> f.getFileName().toString()).filter(n -> !n.startsWith("."))
              .sorted().toList());
    }
  }

  @Test
  void hadoopUrisWork(@TempDir Path dir) {
    RunDirectory run = RunDirectory.open("file://" + dir.resolve("uri-run"), new Configuration());
    assertEquals("file", run.root().toUri().getScheme());
    run.begin("prepare").commit(Map.of("rows", 3));
    assertEquals(OutputState.COMMITTED, open(dir.resolve("uri-run")).state("prepare"));
  }

  @Test
  void writableProblemIsReported(@TempDir Path dir) throws Exception {
    assertEquals(null, open(dir.resolve("new")).writableProblem());
    Path file = dir.resolve("plain-file");
    Files.writeString(file, "x");
    assertTrue(open(file.resolve("sub")).writableProblem() != null);
  }
}
