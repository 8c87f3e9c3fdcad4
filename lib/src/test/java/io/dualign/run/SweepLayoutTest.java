package io.dualign.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepLayoutTest {
  @Test
  void aThresholdHasOneFolderInItsShortestDecimalForm() {
    assertEquals("sweep/b=0", SweepLayout.folder(0.0));
    assertEquals("sweep/b=0", SweepLayout.folder(-0.0));
    assertEquals("sweep/b=0.5", SweepLayout.folder(0.50));
    assertEquals("sweep/b=3", SweepLayout.folder(3.0));
    assertEquals("sweep/b=-1.25", SweepLayout.folder(-1.25));
    assertEquals("sweep/b=0.0001", SweepLayout.folder(1e-4));
    assertThrows(IllegalArgumentException.class, () -> SweepLayout.folder(Double.NaN));
  }

  @Test
  void onlyThresholdDependentOutputsMove() {
    var place = SweepLayout.placement(0.5);
    assertEquals("sweep/b=0.5/solve-dual", place.apply("solve-dual"));
    assertEquals("sweep/b=0.5/align", place.apply("align"));
    assertEquals("sweep/b=0.5/align/caid/iteration-2", place.apply("align/caid/iteration-2"));
    assertEquals("sweep/b=0.5/evaluate", place.apply("evaluate"));
    for (String shared : new String[] {"prepare", "sft", "train-reward", "train-cost",
        "sample-ref", "score", "align/reference", "report", "sweep"}) {
      assertEquals(shared, place.apply(shared), shared);
    }
  }

  @Test
  void aPlacingViewCommitsResumesAndCleansUpBelowTheSweepFolder(@TempDir Path tmp) {
    RunDirectory run = RunDirectory.open(tmp.toString(), new Configuration());
    RunDirectory view = run.placing(SweepLayout.placement(-0.5));
    run.begin("sample-ref").commit(Map.of("rows", 3));
    assertEquals(OutputState.COMMITTED, view.state("sample-ref"), "shared input seen as is");
    assertEquals(OutputState.ABSENT, view.state("solve-dual"));

    PendingOutput dead = view.begin("solve-dual"); // an attempt that dies before committing
    assertTrue(Files.isDirectory(Path.of(dead.path().toUri())));
    assertEquals(OutputState.PARTIAL, view.state("solve-dual"));
    assertEquals(OutputState.ABSENT, run.state("solve-dual"), "the run's own is elsewhere");
    Map<String, Object> m = view.begin("solve-dual").commit(Map.of("lambda", 1.5));
    assertFalse(Files.exists(Path.of(dead.path().toUri())), "the dead attempt was removed");
    assertEquals("sweep/b=-0.5/solve-dual", m.get("output"));
    assertTrue(Files.isRegularFile(tmp.resolve("sweep/b=-0.5/solve-dual/_SUCCESS.json")));
    assertEquals(1.5, run.marker("sweep/b=-0.5/solve-dual").orElseThrow().get("lambda"));
    assertEquals(OutputState.ABSENT, run.state("solve-dual"));
    assertEquals(tmp.resolve("sweep/b=-0.5/align/caid").toUri().getPath().replaceAll("/$", ""),
        view.path("align/caid").toUri().getPath());
    view.commitComposite("align", Map.of("methods", 2));
    assertEquals("sweep/b=-0.5/align", run.marker("sweep/b=-0.5/align").orElseThrow()
        .get("output"));
  }
}
