package io.dualign.jobs;

import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.Stage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code status} shows each stage's state in a run directory (committed / partial / absent), read
 * from the markers alone (no Spark), with the key figures of each {@code _SUCCESS.json}, and the
 * committed sub-outputs (e.g. {@code align/caid/iteration-2}) of stages that have them.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show each stage's state (committed / partial / absent) and key figures.")
final class StatusCommand implements Callable<Integer> {
  private static final Set<String> NOT_FIGURES = Set.of("output", "started", "finished");
  private static final int MAX_FIGURES = 8;

  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = "dualign-run",
      description = "Run directory (local path or Hadoop URI). Default: ${DEFAULT-VALUE}")
  String runDir;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    RunDirectory dir = RunDirectory.open(runDir, new Configuration());
    Optional<Map<String, Object>> manifest = dir.manifest();
    if (manifest.isEmpty()) {
      out.println(dir.root() + ": no manifest.json (not a run directory, or nothing ran yet)");
    } else {
      out.println("run " + manifest.get().get("run_id") + " (profile " + manifest.get().get("profile")
          + ", created " + manifest.get().get("created") + ") in " + dir.root());
    }
    for (Stage stage : Stage.PIPELINE_ORDER) {
      String name = stage.cliName();
      OutputState state = dir.state(name);
      out.printf("%-13s %-9s %s%n", name, state.name().toLowerCase(java.util.Locale.ROOT),
          dir.marker(name).map(StatusCommand::figures).orElse(""));
      if (state != OutputState.ABSENT) {
        printChildren(dir, name, out, 1);
      }
    }
    return Dualign.OK;
  }

  /** Committed outputs nested in a stage (align/METHOD, align/METHOD/iteration-T), two levels. */
  private static void printChildren(RunDirectory dir, String output, PrintWriter out, int depth)
      throws IOException {
    if (depth > 2 || !dir.fs().exists(dir.path(output))) {
      return;
    }
    for (FileStatus s : dir.fs().listStatus(dir.path(output))) {
      String name = s.getPath().getName();
      if (!s.isDirectory() || name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      String child = output + "/" + name;
      if (dir.fs().exists(new Path(s.getPath(), RunDirectory.MARKER))
          || containsMarkers(dir, s.getPath())) {
        out.printf("  %-24s %-9s %s%n", child, dir.state(child).name().toLowerCase(java.util.Locale.ROOT),
            dir.marker(child).map(StatusCommand::figures).orElse(""));
        printChildren(dir, child, out, depth + 1);
      }
    }
  }

  private static boolean containsMarkers(RunDirectory dir, Path p) throws IOException {
    for (FileStatus s : dir.fs().listStatus(p)) {
      if (s.isDirectory() && dir.fs().exists(new Path(s.getPath(), RunDirectory.MARKER))) {
        return true;
      }
    }
    return false;
  }

  /** The marker's scalar and short list entries, {@code key=value}, at most a few. */
  static String figures(Map<String, Object> marker) {
    StringJoiner j = new StringJoiner(" ");
    int n = 0;
    for (Map.Entry<String, Object> e : marker.entrySet()) {
      Object v = e.getValue();
      boolean shortList = v instanceof List<?> l && l.size() <= 4;
      if (NOT_FIGURES.contains(e.getKey()) || !(v instanceof Number || v instanceof String
          || v instanceof Boolean || shortList)) {
        continue;
      }
      if (n++ == MAX_FIGURES) {
        break;
      }
      j.add(e.getKey() + "=" + v);
    }
    return j.toString();
  }
}
