package io.dualign.jobs;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * {@code ProjectPaths} locates the dualign checkout the command runs from ({@code -Ddualign.home},
 * which {@code jobs/bin/dualign} sets; else the working directory) for its scripts and test
 * fixtures, and the model cache ({@code $DUALIGN_MODEL_CACHE}, else
 * {@code ~/.cache/dualign/models}) that {@code fetch-model} fills.
 */
public final class ProjectPaths {
  private ProjectPaths() {}

  /** The dualign checkout the command runs from. */
  public static Path home() {
    String h = System.getProperty("dualign.home");
    return Paths.get(h != null ? h : System.getProperty("user.dir")).toAbsolutePath();
  }

  /** The folder {@code fetch-model} installs models into. */
  public static Path modelCache() {
    String c = System.getenv("DUALIGN_MODEL_CACHE");
    return c != null && !c.isBlank() ? Paths.get(c)
        : Paths.get(System.getProperty("user.home"), ".cache", "dualign", "models");
  }
}
