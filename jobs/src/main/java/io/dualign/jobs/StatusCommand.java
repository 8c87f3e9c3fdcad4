package io.dualign.jobs;

import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.MarkerException;
import io.dualign.run.marker.Markers;
import io.dualign.vocabulary.Stage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
          figuresOf(dir, name));
      if (state != OutputState.ABSENT) {
        printChildren(dir, name, out, 1);
      }
    }
    return Dualign.OK;
  }

  /**
   * Committed outputs nested in a stage (align/METHOD, align/METHOD/iteration-T, sweep/b=B), two
   * levels, in {@link #CHILD_ORDER}.
   */
  private static void printChildren(RunDirectory dir, String output, PrintWriter out, int depth)
      throws IOException {
    if (depth > 2 || !dir.fs().exists(dir.path(output))) {
      return;
    }
    List<FileStatus> children = new ArrayList<>(List.of(dir.fs().listStatus(dir.path(output))));
    children.sort(Comparator.comparing(c -> c.getPath().getName(), CHILD_ORDER));
    for (FileStatus s : children) {
      String name = s.getPath().getName();
      if (!s.isDirectory() || name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      String child = output + "/" + name;
      if (dir.fs().exists(new Path(s.getPath(), RunDirectory.MARKER))
          || containsMarkers(dir, s.getPath())) {
        out.printf("  %-24s %-9s %s%n", child, dir.state(child).name().toLowerCase(java.util.Locale.ROOT),
            figuresOf(dir, child));
        printChildren(dir, child, out, depth + 1);
      }
    }
  }

  private static final Pattern NUMBERED = Pattern.compile("(.*?(?:=|-))(-?\\d+(?:\\.\\d+)?)");

  /**
   * Names as a reader counts them: {@code iteration-2} before {@code iteration-10}, {@code b=-0.5}
   * before {@code b=0} before {@code b=1.5} (the same stem, then the number after its last
   * {@code -} or {@code =}; a {@code -} right after {@code =} is a sign); others alphabetically.
   */
  static final Comparator<String> CHILD_ORDER = (a, b) -> {
    Matcher ma = NUMBERED.matcher(a);
    Matcher mb = NUMBERED.matcher(b);
    if (ma.matches() && mb.matches() && ma.group(1).equals(mb.group(1))) {
      return Double.compare(Double.parseDouble(ma.group(2)), Double.parseDouble(mb.group(2)));
    }
    return a.compareTo(b);
  };

  private static boolean containsMarkers(RunDirectory dir, Path p) throws IOException {
    for (FileStatus s : dir.fs().listStatus(p)) {
      if (s.isDirectory() && dir.fs().exists(new Path(s.getPath(), RunDirectory.MARKER))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The figures of the committed marker of {@code output}, read as its record (fields by name,
   * as in the file); a marker its record cannot read is shown as such instead.
   */
  static String figuresOf(RunDirectory dir, String output) {
    try {
      return dir.marker(output, Markers.typeOf(output))
          .map(m -> figures(new TreeMap<>(Markers.toMap(m)))).orElse("");
    } catch (MarkerException e) {
      return "unreadable marker: " + e.getMessage();
    }
  }

  /**
   * The marker's first few short entries, {@code key=value}: scalars, small maps of scalars (a λ
   * per constraint) and lists of up to four of those; numbers with four significant digits.
   * Larger structures are left to the marker itself.
   */
  static String figures(Map<String, Object> marker) {
    StringJoiner j = new StringJoiner(" ");
    int n = 0;
    for (Map.Entry<String, Object> e : marker.entrySet()) {
      Object v = e.getValue();
      boolean shortList = v instanceof List<?> l && l.size() <= 4
          && l.stream().allMatch(x -> isScalar(x) || isSmallMap(x));
      if (NOT_FIGURES.contains(e.getKey()) || !(isScalar(v) || isSmallMap(v) || shortList)) {
        continue;
      }
      if (n++ == MAX_FIGURES) {
        break;
      }
      j.add(e.getKey() + "=" + format(v));
    }
    return j.toString();
  }

  private static boolean isScalar(Object v) {
    return v instanceof Number || v instanceof String || v instanceof Boolean;
  }

  private static boolean isSmallMap(Object v) {
    return v instanceof Map<?, ?> m && m.size() <= 2
        && m.values().stream().allMatch(StatusCommand::isScalar);
  }

  private static String format(Object v) {
    if (v instanceof List<?> l) {
      return l.stream().map(StatusCommand::format).collect(Collectors.joining(", ", "[", "]"));
    }
    if (v instanceof Map<?, ?> m) {
      return m.entrySet().stream().map(e -> e.getKey() + "=" + format(e.getValue()))
          .collect(Collectors.joining(", ", "{", "}"));
    }
    return formatScalar(v);
  }

  /** Doubles with four significant digits ({@code 0.8081}, {@code 12.35}, {@code 1.2e+04}). */
  private static String formatScalar(Object v) {
    if (!(v instanceof Double || v instanceof Float)) {
      return String.valueOf(v);
    }
    double d = ((Number) v).doubleValue();
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return String.valueOf((long) d);
    }
    String s = String.format(java.util.Locale.ROOT, "%.4g", d); // 0.5000, 1.000e-05
    return s.replaceFirst("(\\.\\d*?)0+($|e)", "$1$2").replaceFirst("\\.($|e)", "$1");
  }
}
