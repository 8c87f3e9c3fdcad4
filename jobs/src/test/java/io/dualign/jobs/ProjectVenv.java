package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code ProjectVenv} is the Python virtual environment {@code .ci/run} installs inside the clone
 * ({@code .venv}: the pinned {@code notebooks/requirements.txt} and {@code mlflow}), or the one
 * {@code DUALIGN_VENV} names. A test that needs it fails in CI ({@code CI=true}) when it is absent
 * or lacks a module, and skips elsewhere, saying so.
 */
final class ProjectVenv {
  private ProjectVenv() {}

  static Path root() {
    String given = System.getenv("DUALIGN_VENV");
    return given != null && !given.isBlank() ? Path.of(given)
        : ProjectFiles.root().resolve(".venv");
  }

  /** The environment's {@code bin/<program>}. */
  static Path bin(String program) {
    return root().resolve("bin").resolve(program);
  }

  /** The environment's python, after checking that it imports {@code modules}. */
  static Path requirePython(String what, String... modules) throws Exception {
    Path python = bin("python");
    if (!Files.isExecutable(python)) {
      unavailable(what + " needs the Python environment " + root() + " (python3 -m venv .venv && "
          + ".venv/bin/pip install -r notebooks/requirements.txt mlflow), which is absent");
    }
    List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c",
        "import " + String.join(", ", modules)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      unavailable(what + ": " + python + " did not answer within 120 s");
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) {
      unavailable(what + " needs the modules " + List.of(modules) + " in " + root() + ": " + out);
    }
    return python;
  }

  static void unavailable(String why) {
    if ("true".equals(System.getenv("CI"))) {
      fail(why + "; .ci/run installs it, so in CI this is a failure");
    }
    Assumptions.abort(why);
  }
}
