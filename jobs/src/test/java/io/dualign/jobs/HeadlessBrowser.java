package io.dualign.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@code HeadlessBrowser} is Debian's chromium run headless on a local page: a screenshot, or
 * the DOM after the page's scripts ran. Nothing goes to the network (the flags switch off every
 * background service) and each run gets a fresh profile folder.
 */
final class HeadlessBrowser {
  private final Path executable;

  private HeadlessBrowser(Path executable) {
    this.executable = executable;
  }

  /** The chromium on PATH (chromium or chromium-browser), if installed. */
  static Optional<HeadlessBrowser> find() {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(":")) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return Optional.of(new HeadlessBrowser(p));
        }
      }
    }
    return Optional.empty();
  }

  /** Renders {@code page} at the given window size into {@code png}. */
  void screenshot(Path page, Path png, int width, int height, Path work) throws Exception {
    run(work, "--screenshot=" + png, "--window-size=" + width + "," + height,
        "--hide-scrollbars", page.toUri().toString());
  }

  /** The DOM of {@code page} after load (scripts ran within a 5 s virtual time budget). */
  String dumpDom(Path page, Path work) throws Exception {
    return run(work, "--virtual-time-budget=5000", "--dump-dom", page.toUri().toString());
  }

  private String run(Path work, String... args) throws Exception {
    Path profile = Files.createTempDirectory(work, "chromium-profile");
    List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--headless",
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile));
    cmd.addAll(List.of(args));
    Path out = work.resolve("chromium-" + System.nanoTime() + ".out");
    Path err = work.resolve("chromium-" + System.nanoTime() + ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        throw new IOException("chromium did not finish within 120 s: " + cmd);
      }
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    if (p.exitValue() != 0) {
      throw new IOException("chromium exited " + p.exitValue() + ": "
          + Files.readString(err, StandardCharsets.UTF_8));
    }
    return Files.readString(out, StandardCharsets.UTF_8);
  }
}
