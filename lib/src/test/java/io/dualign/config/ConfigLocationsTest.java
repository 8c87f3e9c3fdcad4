package io.dualign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLocationsTest {
  private static final ConfigLoader LOADER = ConfigLoader.fromClasspath();
  @TempDir static Path tmp;
  private static Path a;
  private static Path b;

  @BeforeAll
  static void files() throws Exception {
    Files.createDirectories(tmp.resolve("data"));
    a = Files.writeString(tmp.resolve("data/a.jsonl"), "{}\n");
    b = Files.writeString(tmp.resolve("data/b.jsonl"), "{}\n");
  }

  /** Loads the tiny profile with the overrides and checks its locations and {@code runDir}. */
  private static void check(String runDir, String... sets) {
    DualignConfig c = LOADER.load("tiny", null, List.of(sets));
    ConfigLocations.check(c, LOADER.declarations(), runDir);
  }

  private static String error(String runDir, String... sets) {
    return assertThrows(ConfigError.class, () -> check(runDir, sets)).getMessage();
  }

  private String run() {
    return tmp.resolve("run").toString();
  }

  @Test
  void defaultsAndExistingLocalLocationsPass() {
    check(run());
    check(run(), "data.input=" + a);
    check(run(), "data.input=" + a + ", " + b);
    check(run(), "data.input=" + tmp.resolve("data"));
    check(run(), "data.input=" + tmp.resolve("data/*.jsonl"));
    check(run(), "data.input=file://" + a);
    check(run(), "evaluate.extraPrompts=" + b);
    // A relative path with '..' is resolved against the working directory: allowed.
    String relative = Paths.get("").toAbsolutePath().relativize(a).toString();
    check(run(), "data.input=" + relative);
    // Remote locations are checked by the stage that reads them, not here.
    check("hdfs://nn:8020/dualign/runs/r1", "data.input=hdfs://nn:8020/data/*.jsonl,"
        + "hdfs://nn:8020/more");
  }

  @Test
  void providedModelLocationsAreCheckedLikeInputs() {
    check(run(), "model.policy=" + tmp.resolve("data"), "model.cost=hdfs://nn:8020/models/cost");
    String missing = tmp.resolve("models/reward").toString();
    assertEquals("model.reward = " + missing + " is not allowed: no such local file or directory: "
        + missing, error(run(), "model.reward=" + missing));
    String download = error(run(), "model.policy=https://example.org/policy");
    assertTrue(download.startsWith("model.policy = https://example.org/policy is not allowed: "),
        download);
  }

  @Test
  void missingLocalInputsNameTheKeyTheValueAndTheFile() {
    Path missing = tmp.resolve("data/missing.jsonl");
    assertEquals("data.input = " + missing + " is not allowed: no such local file or directory: "
        + missing, error(run(), "data.input=" + missing));
    assertEquals("data.input = " + a + "," + missing + " is not allowed: no such local file or "
        + "directory: " + missing, error(run(), "data.input=" + a + "," + missing));
    assertEquals("data.input = " + tmp.resolve("data/*.parquet") + " is not allowed: '"
        + tmp.resolve("data/*.parquet") + "' matches no local file",
        error(run(), "data.input=" + tmp.resolve("data/*.parquet")));
    assertEquals("evaluate.extraPrompts = " + missing + " is not allowed: no such local file or "
        + "directory: " + missing, error(run(), "evaluate.extraPrompts=" + missing));
    // evaluate.extraPrompts is one location: a comma is part of the name.
    assertEquals("evaluate.extraPrompts = " + a + "," + b + " is not allowed: no such local file "
        + "or directory: " + a + "," + b, error(run(), "evaluate.extraPrompts=" + a + "," + b));
  }

  @Test
  void downloadAndUnknownSchemesAreRefused() {
    assertEquals("data.input = https://example.org/pku.jsonl is not allowed: scheme 'https' is "
        + "not supported: dualign never downloads at run time; copy the data to local or shared "
        + "storage (file://, hdfs://, s3a://)",
        error(run(), "data.input=https://example.org/pku.jsonl"));
    assertEquals("evaluate.extraPrompts = ftp://host/p.jsonl is not allowed: scheme 'ftp' is "
        + "not supported: dualign never downloads at run time; copy the data to local or shared "
        + "storage (file://, hdfs://, s3a://)",
        error(run(), "evaluate.extraPrompts=ftp://host/p.jsonl"));
    assertEquals("data.input = " + a + ",foo://bucket/x.jsonl is not allowed: unsupported scheme "
        + "'foo': no Hadoop file system serves it in this JVM (e.g. s3a:// needs hadoop-aws on "
        + "the classpath)", error(run(), "data.input=" + a + ",foo://bucket/x.jsonl"));
    assertEquals("--run-dir = http://host/runs/r1 is not allowed: scheme 'http' is not "
        + "supported: dualign never downloads at run time; copy the data to local or shared "
        + "storage (file://, hdfs://, s3a://)", error("http://host/runs/r1"));
  }

  @Test
  void aSchemeServedThroughSparkHadoopSettingsIsAccepted() {
    String key = "spark.hadoop.fs.dlgtest.impl";
    assertEquals("data.input = dlgtest://bucket/x.jsonl is not allowed: unsupported scheme "
        + "'dlgtest': no Hadoop file system serves it in this JVM (e.g. s3a:// needs hadoop-aws "
        + "on the classpath)", error(run(), "data.input=dlgtest://bucket/x.jsonl"));
    System.setProperty(key, "org.apache.hadoop.fs.RawLocalFileSystem");
    try {
      check(run(), "data.input=dlgtest://bucket/x.jsonl");
    } finally {
      System.clearProperty(key);
    }
  }

  @Test
  void traversalAboveTheRootAndControlCharactersAreRefused() {
    assertEquals("data.input = /data/../../etc/passwd is not allowed: '/data/../../etc/passwd' "
        + "climbs above the file system root ('..' left after normalising: /../etc/passwd)",
        error(run(), "data.input=/data/../../etc/passwd"));
    assertEquals("--run-dir = hdfs://nn/../runs is not allowed: 'hdfs://nn/../runs' climbs above "
        + "the file system root ('..' left after normalising: /../runs)", error("hdfs://nn/../runs"));
    assertEquals("--run-dir = " + tmp + "/r?n is not allowed: contains the control character "
        + "U+000A", error(tmp + "/r\nn"));
    assertEquals("data.input = " + a + ", is not allowed: empty entry in the comma-separated list",
        error(run(), "data.input=\"" + a + ",\""));
  }

  @Test
  void theRunDirectoryMayBeNewButNotAFileOrAGlob() {
    check(tmp.resolve("new/run").toString());
    check(tmp.toString());
    assertEquals("--run-dir = " + a + " is not allowed: it is a file, expected a directory (new "
        + "or a dualign run)", error(a.toString()));
    assertEquals("--run-dir = " + tmp + "/runs/* is not allowed: a run directory cannot be a glob "
        + "pattern", error(tmp + "/runs/*"));
    assertEquals("--run-dir must not be empty", error(" "));
  }

  @Test
  void climbsLooksAtWholeSegments() {
    assertEquals(true, ConfigLocations.climbs("/../x"));
    assertEquals(false, ConfigLocations.climbs("/a..b/x"));
    assertEquals(false, ConfigLocations.climbs("/a/...")); // a name, not a parent step
    assertEquals(true, ConfigLocations.servedScheme("file", new Configuration()));
    assertEquals(false, ConfigLocations.servedScheme("nosuchscheme", new Configuration()));
  }
}
