package io.dualign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.run.RunDirectory;
import io.dualign.run.Versions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code tracking} section: off by default; an http(s) URI without credentials; not part of a
 * run's identity, so a run made without tracking resumes with it (and the other way round).
 */
class TrackingSettingsTest {
  private static final ConfigLoader LOADER = ConfigLoader.fromClasspath();

  @Test
  void offByDefaultAndOnWithAnHttpUri() {
    TrackingSettings off = LOADER.load("tiny", null, List.of()).tracking();
    assertFalse(off.enabled());
    assertEquals("dualign", off.experiment());
    TrackingSettings on = LOADER.load("tiny", null, List.of(
        "tracking.mlflow.uri=\"http://127.0.0.1:5000\"", "tracking.mlflow.experiment=exp"))
        .tracking();
    assertTrue(on.enabled());
    assertEquals("http://127.0.0.1:5000", on.mlflowUri());
    assertEquals("exp", on.experiment());
  }

  @Test
  void credentialsInTheUriAndOtherSchemesAreRefused() {
    ConfigError withUser = assertThrows(ConfigError.class,
        () -> new TrackingSettings("https://ada:secret@mlflow.example.org", "d", 10));
    assertTrue(withUser.getMessage().contains("MLFLOW_TRACKING_USERNAME"), withUser.getMessage());
    assertFalse(withUser.getMessage().contains("secret"), withUser.getMessage());
    ConfigError file = assertThrows(ConfigError.class,
        () -> new TrackingSettings("file:///tmp/mlruns", "d", 10));
    assertTrue(file.getMessage().startsWith("tracking.mlflow.uri = file:///tmp/mlruns is not "
        + "allowed: expected http://"), file.getMessage());
    assertThrows(ConfigError.class, () -> new TrackingSettings("http://h:5000", " ", 10));
  }

  @Test
  void trackingKeysMayChangeOnResume(@TempDir Path dir) {
    RunDirectory run = RunDirectory.open(dir.resolve("r").toString(), new Configuration());
    Map<String, Object> first = run.ensureManifest(LOADER.load("tiny", null, List.of()),
        Versions.all());
    DualignConfig tracked = LOADER.load("tiny", null,
        List.of("tracking.mlflow.uri=\"http://127.0.0.1:5000\""));
    assertEquals(first.get("run_id"), run.ensureManifest(tracked, Versions.all()).get("run_id"));
    assertFalse(tracked.identityValues().containsKey("tracking.mlflow.uri"));
    assertTrue(tracked.values().containsKey("tracking.mlflow.uri"));
  }
}
