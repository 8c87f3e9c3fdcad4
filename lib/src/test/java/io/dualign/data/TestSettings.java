package io.dualign.data;

import io.dualign.config.DataSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@code TestSettings} builds data settings for tests and finds the shared real data. */
public final class TestSettings {
  private TestSettings() {}

  /** The defaults of conf/dualign.conf with the given input. */
  public static DataSettings defaults(String input) {
    return new DataSettings(input, "auto", 2000, 0.3, 0.1, 0.03, 0.1, 0.01, true, false, 8000, 16000,
        262144, "hash");
  }

  /** The defaults, with empty responses quarantined. */
  public static DataSettings rejectingEmptyResponses(String input) {
    return new DataSettings(input, "auto", 2000, 0.3, 0.1, 0.03, 0.1, 0.01, true, true, 8000,
        16000, 262144, "hash");
  }

  /**
   * {@code shared/data/<relative>} found by walking up from the working directory (the project
   * root has {@code ../shared/data}; a worktree at /work/wt/X finds /work/shared/data).
   */
  public static Optional<Path> sharedData(String relative) {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("shared").resolve("data").resolve(relative);
      if (Files.isRegularFile(candidate)) {
        return Optional.of(candidate);
      }
      dir = dir.getParent();
    }
    return Optional.empty();
  }
}
