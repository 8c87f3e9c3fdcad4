package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code TinyPipeline} runs {@code dualign pipeline} in process on {@code local[2]} with the tiny
 * profile shrunk as {@link PipelineClusterIT#SETTINGS} (about a minute on 2 cores): the run
 * directory that tests of what reads a run (notebooks, tracking) work on.
 */
final class TinyPipeline {
  private TinyPipeline() {}

  /** Runs (or resumes) the pipeline in {@code runDir} with {@code sets} added; asserts exit 0. */
  static DualignCliTest.Run run(Path runDir, String... sets) {
    List<String> args = new ArrayList<>(List.of("pipeline", "--profile", "tiny", "--run-dir",
        runDir.toString(), "--master", "local[2]"));
    for (String s : PipelineClusterIT.SETTINGS) {
      args.add("--set");
      args.add(s);
    }
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    DualignCliTest.Run r = DualignCliTest.dualign(args.toArray(new String[0]));
    assertEquals(0, r.code(), () -> "pipeline failed:\n" + r.out() + "\n" + r.err());
    return r;
  }
}
