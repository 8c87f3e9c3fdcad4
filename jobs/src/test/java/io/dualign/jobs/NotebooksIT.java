package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.run.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three notebooks executed for real (nbclient, through {@code notebooks/execute.py}) against
 * the run directory of a tiny pipeline run, first without a threshold sweep, then after the same
 * run was resumed with one: every cell runs without an error, and each cell that promises a figure
 * or a table ({@code shows:<what>} in its tags) shows it: the one-shot solver path and λ*, CAID's
 * λ/û trajectory, the summary, the frontier within the run and across b, the per-category tables,
 * the score distributions, the gold scores and the sample browser. Needs the project's Python
 * environment ({@link ProjectVenv}).
 */
class NotebooksIT {
  /** Per notebook and promise: the figures and tables it must show at least. */
  static final Map<String, Map<String, int[]>> PROMISES = Map.of(
      "01-dual-trajectory.ipynb", Map.of("solver-path", new int[] {1, 0},
          "lambda-star", new int[] {0, 1}, "caid-trajectory", new int[] {1, 1}),
      "02-evaluation-and-frontier.ipynb", Map.of("summary", new int[] {0, 1},
          "constraint-per-policy", new int[] {1, 0}, "frontier", new int[] {1, 0},
          "frontier-across-b", new int[] {1, 1}, "per-category", new int[] {0, 2}),
      "03-distributions-and-samples.ipynb", Map.of("distributions", new int[] {1, 0},
          "gold-scores", new int[] {1, 0}, "sample-browser", new int[] {0, 0},
          "prompt-across-policies", new int[] {0, 1}));

  @Test
  void notebooksRunOnATinyRunWithoutAndWithASweep(@TempDir Path tmp) throws Exception {
    Path python = ProjectVenv.requirePython("NotebooksIT", "nbclient", "nbformat", "ipykernel",
        "pandas", "pyarrow", "matplotlib");
    Path run = tmp.resolve("run");
    TinyPipeline.run(run);
    Map<String, Map<String, Object>> plain = execute(python, run, tmp.resolve("executed-plain"));
    checkPromises(plain);
    String caid = text(plain, "01-dual-trajectory.ipynb", "caid-trajectory");
    assertTrue(caid.contains("caid"), caid);
    String summary = text(plain, "02-evaluation-and-frontier.ipynb", "summary");
    for (String policy : List.of("reference", "oneshot", "caid-1", "caid-2")) {
      assertTrue(summary.contains(policy), policy + " in the summary: " + summary);
    }
    String browser = text(plain, "03-distributions-and-samples.ipynb", "sample-browser");
    assertTrue(browser.startsWith("policy caid-2") && browser.contains("PROMPT:")
        && browser.contains("RESPONSE:"), browser);

    TinyPipeline.run(run, "dual.sweep=[0.0,0.5]");
    Map<String, Map<String, Object>> swept = execute(python, run, tmp.resolve("executed-sweep"));
    checkPromises(swept);
    String across = text(swept, "02-evaluation-and-frontier.ipynb", "frontier-across-b");
    assertTrue(across.contains("0.5") && across.contains("lambda_star"),
        "the frontier across b is the sweep's table: " + across);
  }

  /** Runs execute.py; returns each notebook's report (error, shows) by file name. */
  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> execute(Path python, Path run, Path out)
      throws Exception {
    Path root = ProjectFiles.root();
    List<String> cmd = new ArrayList<>(List.of(python.toString(),
        root.resolve("notebooks/execute.py").toString(), "--run-dir", run.toString(), "--out",
        out.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    byte[] stdout = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "execute.py finished");
    String text = new String(stdout, StandardCharsets.UTF_8);
    Map<String, Map<String, Object>> reports = new LinkedHashMap<>();
    for (String line : text.strip().split("\n")) {
      Map<String, Object> r = Json.readMap(line.getBytes(StandardCharsets.UTF_8));
      reports.put((String) r.get("notebook"), r);
    }
    assertEquals(PROMISES.keySet(), reports.keySet(), text);
    for (Map.Entry<String, Map<String, Object>> e : reports.entrySet()) {
      assertNull(e.getValue().get("error"), e.getKey() + " failed at a cell");
      assertTrue(Files.isRegularFile(out.resolve(e.getKey())), "executed copy of " + e.getKey());
    }
    assertEquals(0, p.exitValue(), text);
    return reports;
  }

  @SuppressWarnings("unchecked")
  static void checkPromises(Map<String, Map<String, Object>> reports) {
    PROMISES.forEach((nb, promises) -> {
      Map<String, Object> shows = (Map<String, Object>) reports.get(nb).get("shows");
      assertEquals(promises.keySet(), shows.keySet(), nb + ": the cells tagged shows:<what>");
      promises.forEach((what, least) -> {
        Map<String, Object> s = (Map<String, Object>) shows.get(what);
        int images = ((Number) s.get("images")).intValue();
        int tables = ((Number) s.get("tables")).intValue();
        assertTrue(images >= least[0] && tables >= least[1], nb + " " + what + " shows "
            + images + " figures and " + tables + " tables; it promises at least " + least[0]
            + " and " + least[1] + ": " + s.get("text"));
      });
    });
  }

  @SuppressWarnings("unchecked")
  static String text(Map<String, Map<String, Object>> reports, String nb, String what) {
    return (String) ((Map<String, Object>) ((Map<String, Object>) reports.get(nb).get("shows"))
        .get(what)).get("text");
  }
}
