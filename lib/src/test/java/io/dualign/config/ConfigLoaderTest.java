package io.dualign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private final ConfigLoader loader = ConfigLoader.fromClasspath();

  @Test
  void defaultsComeFromConfDualignConf() {
    DualignConfig c = loader.defaults();
    assertEquals("default", c.profile());
    assertEquals(42L, c.run().seed());
    assertEquals("local[*]", c.runtime().master());
    // the default profile (the 2-core demo): 1 thread per rollout task, 2 for training alone
    assertEquals(5, c.runtime().progressIntervalSeconds());
    assertEquals(1, c.runtime().djlThreadsPerTask());
    assertEquals(2, c.runtime().oneTaskThreads());
    assertEquals(0, c.runtime().modelCacheBytes(), "0: half the task memory");
  }

  @Test
  void oneTaskStagesUseTheTaskThreadCountUnlessTrainThreadsIsSet() {
    DualignConfig unset = loader.load("tiny", null, List.of("runtime.djlThreadsPerTask=3"));
    assertEquals(0, unset.runtime().trainThreads());
    assertEquals(3, unset.runtime().oneTaskThreads());
    DualignConfig set = loader.load("tiny", null, List.of("runtime.trainThreads=4"));
    assertEquals(4, set.runtime().oneTaskThreads());
    assertEquals(1, set.runtime().djlThreadsPerTask());
  }

  @Test
  void aLocationStartingWithTildeIsInTheHomeDirectory() {
    DualignConfig c = loader.load("tiny", null, List.of("model.policy=\"~/models/pi\"",
        "model.reward=hdfs:///m/~/r", "data.input=\"a.jsonl,~/b.jsonl\""));
    String home = System.getProperty("user.home");
    assertEquals(home + "/models/pi", c.model().policy());
    assertEquals(home + "/models/pi", c.values().get("model.policy"), "what the checks read");
    assertEquals("hdfs:///m/~/r", c.model().reward());
    assertEquals("", c.model().cost());
    assertEquals("a.jsonl," + home + "/b.jsonl", c.values().get("data.input"));
  }

  @Test
  void everyKeyIsDocumented() {
    for (KeyDeclaration d : loader.declarations().values()) {
      assertTrue(d.doc().length() > 10, () -> d.key() + " has no documentation comment");
    }
  }

  @Test
  void profileOverridesDefaultsAndSetOverridesProfile() {
    DualignConfig tiny = loader.load("tiny", null, List.of());
    assertEquals(2, tiny.runtime().progressIntervalSeconds());
    assertEquals(1, tiny.runtime().djlThreadsPerTask());
    DualignConfig set = loader.load("tiny", null,
        List.of("runtime.progressIntervalSeconds=7", "run.seed=9", "runtime.master=local[2]"));
    assertEquals(7, set.runtime().progressIntervalSeconds());
    assertEquals(9L, set.run().seed());
    assertEquals("local[2]", set.runtime().master());
  }

  @Test
  void userFileSitsBetweenProfileAndSet(@TempDir Path dir) throws Exception {
    File f = dir.resolve("my.conf").toFile();
    Files.writeString(f.toPath(), "run { seed = 5 }\nruntime.progressIntervalSeconds = 30\n");
    DualignConfig c = loader.load("tiny", f, List.of("run.seed=6"));
    assertEquals(6L, c.run().seed());
    assertEquals(30, c.runtime().progressIntervalSeconds());
  }

  @Test
  void unknownKeyIsNamedWithASuggestion() {
    ConfigError e = assertThrows(ConfigError.class,
        () -> loader.load("default", null, List.of("run.sed=1")));
    assertEquals("unknown configuration key 'run.sed' (from --set); did you mean 'run.seed'?; "
        + "every key is declared in conf/dualign.conf", e.getMessage());
  }

  @Test
  void unknownKeyInAFileIsNamedWithTheFile(@TempDir Path dir) throws Exception {
    File f = dir.resolve("bad.conf").toFile();
    Files.writeString(f.toPath(), "runtime { colour = blue }\n");
    ConfigError e = assertThrows(ConfigError.class, () -> loader.load("default", f, List.of()));
    assertTrue(e.getMessage().startsWith("unknown configuration key 'runtime.colour' (from --config "
        + f + ")"), e.getMessage());
  }

  @Test
  void outOfRangeValueNamesKeyValueAndRange() {
    ConfigError e = assertThrows(ConfigError.class,
        () -> loader.load("default", null, List.of("runtime.progressIntervalSeconds=0")));
    assertEquals("runtime.progressIntervalSeconds = 0 is not allowed (from --set "
        + "runtime.progressIntervalSeconds=0): expected an integer in [1, 3600]", e.getMessage());
    ConfigError cache = assertThrows(ConfigError.class,
        () -> loader.load("default", null, List.of("runtime.modelCacheBytes=-1")));
    assertEquals("runtime.modelCacheBytes = -1 is not allowed (from --set "
        + "runtime.modelCacheBytes=-1): expected an integer in [0, inf)", cache.getMessage());
  }

  @Test
  void keyValueHeadsMustDivideTheHeads() {
    assertEquals(1, loader.load("default", null, List.of()).model().kvHeads());
    assertEquals(2, loader.load("default", null, List.of("model.kvHeads=2")).model().kvHeads());
    ConfigError e = assertThrows(ConfigError.class,
        () -> loader.load("default", null, List.of("model.kvHeads=3")));
    assertEquals("model.heads 4 must be a multiple of model.kvHeads 3", e.getMessage());
  }

  @Test
  void wrongTypeIsRejected() {
    ConfigError e = assertThrows(ConfigError.class,
        () -> loader.load("default", null, List.of("run.seed=abc")));
    assertEquals("run.seed = abc is not allowed (from --set): expected an integer in [0, inf)",
        e.getMessage());
    ConfigError fraction = assertThrows(ConfigError.class,
        () -> loader.load("default", null, List.of("runtime.djlThreadsPerTask=1.5")));
    assertTrue(fraction.getMessage().startsWith("runtime.djlThreadsPerTask = 1.5"),
        fraction.getMessage());
  }

  @Test
  void badValueInAFileNamesTheFile(@TempDir Path dir) throws Exception {
    File f = dir.resolve("bad.conf").toFile();
    Files.writeString(f.toPath(), "runtime.djlThreadsPerTask = 1000\n");
    ConfigError e = assertThrows(ConfigError.class, () -> loader.load("default", f, List.of()));
    assertTrue(e.getMessage().startsWith("runtime.djlThreadsPerTask = 1000 is not allowed (from "),
        e.getMessage());
    assertTrue(e.getMessage().contains("bad.conf"), e.getMessage());
    assertTrue(e.getMessage().endsWith("expected an integer in [1, 256]"), e.getMessage());
  }

  @Test
  void unknownProfileListsTheProfiles() {
    ConfigError e = assertThrows(ConfigError.class, () -> loader.load("huge", null, List.of()));
    assertEquals("--profile huge is not allowed: expected one of tiny, default, large, gpu-7b, "
        + "smollm2",
        e.getMessage());
  }

  @Test
  void everyShippedProfileLoads() {
    for (String p : Profiles.names()) {
      assertEquals(p, loader.load(p, null, List.of()).profile());
    }
  }

  @Test
  void malformedSetIsAUsageError() {
    ConfigError e = assertThrows(ConfigError.class,
        () -> loader.load("default", null, List.of("run.seed")));
    assertEquals("--set run.seed: expected key=value", e.getMessage());
  }

  @Test
  void identityValuesLeaveOutRuntime() {
    DualignConfig c = loader.load("default", null, List.of("runtime.master=local[1]"));
    assertTrue(c.values().containsKey("runtime.master"));
    assertTrue(c.identityValues().keySet().stream().noneMatch(k -> k.startsWith("runtime.")));
    assertEquals(42L, ((Number) c.identityValues().get("run.seed")).longValue());
  }

  @Test
  void editDistanceIsLevenshtein() {
    assertEquals(0, ConfigLoader.editDistance("abc", "abc"));
    assertEquals(1, ConfigLoader.editDistance("run.seed", "run.sed"));
    assertEquals(3, ConfigLoader.editDistance("kitten", "sitting"));
  }

  @Test
  void theSweepIsAListOfThresholdsEmptyByDefaultWithDistinctValues() {
    assertEquals(List.of(), loader.defaults().dual().sweep());
    DualignConfig c = loader.load("tiny", null, List.of("dual.sweep=[0.5,-1,3]"));
    assertEquals(List.of(0.5, -1.0, 3.0), c.dual().sweep());
    assertEquals(List.of(), loader.load("tiny", null, List.of("dual.sweep=[]")).dual().sweep());
    ConfigError twice = assertThrows(ConfigError.class,
        () -> loader.load("tiny", null, List.of("dual.sweep=[0.5,0.50]")));
    assertTrue(twice.getMessage().contains("dual.sweep = [0.5, 0.5] lists a threshold twice"),
        twice.getMessage());
    assertThrows(ConfigError.class, () -> loader.load("tiny", null, List.of("dual.sweep=[a]")));
  }

  @Test
  void aDerivedConfigurationChangesOnlyTheGivenKeys() {
    DualignConfig c = loader.load("tiny", null, List.of("dual.sweep=[0.5,1]", "run.seed=9"));
    DualignConfig b = c.with(java.util.Map.of("dual.thresholds", List.of(0.5),
        "align.methods", List.of("caid")));
    assertEquals(0.5, b.dual().constraints().get(0).threshold(), 0.0);
    assertEquals(0.0, c.dual().constraints().get(0).threshold(), 0.0, "the original is intact");
    assertEquals("caid", b.align().methods().get(0));
    assertEquals(1, b.align().methods().size());
    assertEquals(9L, b.run().seed());
    assertEquals(c.model(), b.model());
    assertEquals(c.values().keySet(), b.values().keySet());
    assertEquals("tiny", b.profile());
    assertThrows(ConfigError.class, () -> c.with(java.util.Map.of("dual.thresholdz", List.of(1))));
  }

  @Test
  void sectionsComeInFileOrderWithTheCommentAboveThem() {
    java.util.Map<String, String> s = loader.sectionDocs();
    assertEquals(List.of("run", "runtime", "data", "dual", "dual.oneShot", "dual.safeRlhf",
        "model", "train", "train.lora", "align", "rollout", "evaluate", "report", "tracking",
        "tracking.mlflow"),
        List.copyOf(s.keySet()));
    assertEquals("The report stage: report/index.html with its charts.", s.get("report"));
    assertTrue(s.get("dual.safeRlhf").startsWith("Safe RLHF's multiplier update"), s.get("dual.safeRlhf"));
    assertTrue(s.get("tracking.mlflow").startsWith("Optional run tracking in MLflow"),
        s.get("tracking.mlflow"));
  }

  @Test
  void profileValuesAreTheKeysAProfileSets() {
    java.util.Map<String, com.typesafe.config.ConfigValue> d = loader.profileValues("default");
    assertEquals(3000, d.get("data.syntheticPairs").unwrapped());
    assertEquals(0.5, ((Number) d.get("dual.eta").unwrapped()).doubleValue());
    assertTrue(!d.containsKey("run.seed"), "the default profile keeps the declared seed");
    assertThrows(ConfigError.class, () -> loader.profileValues("nope"));
  }
}
