package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigError;
import io.dualign.config.ConfigLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The documentation holds: every relative link in {@code README.md} and {@code docs/} resolves
 * (the file, and the heading of a {@code #anchor}); every {@code dualign} command in their code
 * blocks parses as a real stage with real options, with declared {@code --set} keys and valid
 * values; the README stays a short front page; and no file of the repository tells the history
 * of its construction.
 */
class DocsTest {
  static final Path ROOT = ProjectFiles.root();
  static final Pattern LINK = Pattern.compile("\\[([^\\]]*)\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  static final Pattern INLINE_CODE = Pattern.compile("`[^`]*`");
  static final Pattern HISTORY =
      Pattern.compile("(?i)session [0-9]|sessions [0-9]|issue #[0-9]");
  /** What {@code bench} accepts as its argument (BenchCommand's switch). */
  static final Set<String> BENCHES = Set.of("data", "model", "rollout", "dual", "hf");

  /** README.md and every Markdown file under docs/. */
  static List<Path> pages() throws IOException {
    List<Path> pages = new ArrayList<>();
    pages.add(ROOT.resolve("README.md"));
    try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** One line of a code block: where it is and its text (continuation lines joined). */
  record CodeLine(Path file, int line, String text) {
    @Override
    public String toString() {
      return ROOT.relativize(file) + ":" + line + ": " + text;
    }
  }

  /** The lines of the fenced and indented code blocks of a Markdown page. */
  static List<CodeLine> codeLines(Path page) throws IOException {
    List<String> lines = Files.readAllLines(page);
    List<CodeLine> out = new ArrayList<>();
    boolean fenced = false;
    boolean indented = false;
    StringBuilder pending = null;
    int start = 0;
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.strip().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      boolean blank = l.isBlank();
      indented = !fenced && l.startsWith("    ") && (indented || i == 0 || lines.get(i - 1).isBlank());
      if (!fenced && !indented) {
        if (blank) {
          indented = false;
        }
        continue;
      }
      String text = l.strip();
      if (pending == null) {
        pending = new StringBuilder();
        start = i + 1;
      }
      if (text.endsWith("\\")) {
        pending.append(text, 0, text.length() - 1).append(' ');
        continue;
      }
      pending.append(text);
      out.add(new CodeLine(page, start, pending.toString()));
      pending = null;
    }
    return out;
  }

  /** Shell words of a line: quotes removed, a {@code #} comment dropped, {@code && ; |} kept as words. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        w = w == null ? new StringBuilder() : w;
      } else if (Character.isWhitespace(c)) {
        if (w != null) {
          words.add(w.toString());
          w = null;
        }
      } else if (c == '#' && w == null) {
        break;
      } else if ((c == ';' || c == '|') && w == null) {
        words.add(String.valueOf(c));
      } else {
        w = w == null ? new StringBuilder() : w;
        w.append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
    }
    return words;
  }

  /**
   * The {@code dualign} arguments of each command in a line: after {@code dualign} or
   * {@code jobs/bin/dualign}, after the jar of {@code spark-submit ... io.dualign.jobs.Dualign},
   * and after the compose service {@code submit}.
   */
  static List<List<String>> invocations(String line) {
    List<List<String>> commands = new ArrayList<>();
    List<String> current = new ArrayList<>();
    for (String w : words(line)) {
      if (w.equals("&&") || w.equals(";") || w.equals("|") || w.equals("||")) {
        commands.add(current);
        current = new ArrayList<>();
      } else {
        current.add(w);
      }
    }
    commands.add(current);
    List<List<String>> found = new ArrayList<>();
    for (List<String> cmd : commands) {
      int i = 0;
      while (i < cmd.size() && cmd.get(i).matches("[A-Z_][A-Z0-9_]*=.*")) {
        i++; // environment assignments
      }
      if (i >= cmd.size()) {
        continue;
      }
      String program = cmd.get(i);
      int args = -1;
      if (program.equals("dualign") || program.endsWith("/bin/dualign")) {
        args = i + 1;
      } else if (program.equals("spark-submit") || program.endsWith("/spark-submit")) {
        int cls = cmd.indexOf("io.dualign.jobs.Dualign");
        if (cls > 0 && cls + 1 < cmd.size()) {
          args = cls + 2; // the jar follows the class
        }
      } else if (program.equals("docker") && cmd.contains("submit") && cmd.contains("run")) {
        args = cmd.indexOf("submit") + 1;
      }
      if (args >= 0) {
        found.add(cmd.subList(Math.min(args, cmd.size()), cmd.size()));
      }
    }
    return found;
  }

  @Test
  void wordsAndInvocationsAreReadAsAShellWould() {
    assertEquals(List.of("jobs/bin/dualign", "pipeline", "--set", "dual.sweep=[0.0,0.5]"),
        words("jobs/bin/dualign pipeline --set 'dual.sweep=[0.0,0.5]'  # a sweep"));
    assertEquals(List.of(List.of("demo", "--run-dir", "/runs/demo")),
        invocations("docker compose -f docker/compose.yaml run --rm submit demo --run-dir /runs/demo"));
    assertEquals(List.of(List.of("pipeline", "--profile", "gpu-7b")),
        invocations("X=1 spark-submit --class io.dualign.jobs.Dualign dualign.jar pipeline "
            + "--profile gpu-7b"));
    assertEquals(List.of(List.of("status")),
        invocations("mvn -B -q package && jobs/bin/dualign status"));
    assertEquals(List.of(), invocations("mvn -B verify"));
  }

  @Test
  void everyCommandInACodeBlockIsARealStageWithRealOptions() throws IOException {
    ConfigLoader config = ConfigLoader.fromClasspath();
    List<String> problems = new ArrayList<>();
    int checked = 0;
    int inReadme = 0;
    for (Path page : pages()) {
      for (CodeLine line : codeLines(page)) {
        for (List<String> args : invocations(line.text())) {
          if (!args.isEmpty() && args.get(0).startsWith("<")) {
            continue; // the synopsis: dualign <stage> [options]
          }
          checked++;
          if (page.getFileName().toString().equals("README.md")) {
            inReadme++;
          }
          String problem = problem(args, config);
          if (problem != null) {
            problems.add(line + "\n    " + problem);
          }
        }
      }
    }
    assertTrue(problems.isEmpty(), "commands in the documentation that dualign does not accept:\n"
        + String.join("\n", problems));
    assertTrue(inReadme >= 2, "the README shows its commands in code blocks: " + inReadme);
    assertTrue(checked >= 10, "commands checked: " + checked);
  }

  @Test
  void aCommandThatDualignRefusesIsNamedWithTheReason() {
    ConfigLoader c = ConfigLoader.fromClasspath();
    assertEquals(null, problem(List.of("pipeline", "--run-dir", "r", "--set",
        "dual.sweep=[0.5,1.0]", "--profile", "tiny"), c));
    assertEquals(null, problem(List.of("bench", "model", "--rounds", "3"), c));
    assertContains("Unmatched argument at index 0: 'fly'", problem(List.of("fly"), c));
    assertContains("Unknown option", problem(List.of("pipeline", "--input", "x"), c));
    assertContains("'--input'", problem(List.of("pipeline", "--input", "x"), c));
    assertContains("unknown configuration key 'run.sead'",
        problem(List.of("demo", "--set", "run.sead=1"), c));
    assertContains("rollout.topP = 2.0 is not allowed (from --set rollout.topP=2)",
        problem(List.of("demo", "--set", "rollout.topP=2"), c));
    assertEquals("bench gpu: expected one of " + BENCHES, problem(List.of("bench", "gpu"), c));
    assertContains("--profile huge is not allowed", problem(List.of("demo", "--profile", "huge"), c));
  }

  static void assertContains(String part, String text) {
    assertTrue(text != null && text.contains(part), () -> "'" + part + "' not in: " + text);
  }

  /** Why {@code dualign args} is not a real command, or null. */
  static String problem(List<String> args, ConfigLoader config) {
    if (args.isEmpty()) {
      return "no stage given";
    }
    CommandLine cl = Dualign.commandLine();
    CommandLine.ParseResult parsed;
    try {
      parsed = cl.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      return e.getMessage();
    }
    if (!parsed.hasSubcommand()) {
      return "no stage given";
    }
    CommandLine.ParseResult sub = parsed.subcommand();
    String stage = sub.commandSpec().name();
    if (stage.equals("bench")) {
      String what = sub.matchedPositionalValue(0, "");
      if (!BENCHES.contains(what)) {
        return "bench " + what + ": expected one of " + BENCHES;
      }
    }
    List<String> sets = sub.hasMatchedOption("--set") ? sub.matchedOptionValue("--set", List.of())
        : List.of();
    String profile = sub.matchedOptionValue("--profile", ConfigLoader.DEFAULT_PROFILE);
    try {
      config.load(profile, null, sets);
    } catch (ConfigError e) {
      return e.getMessage();
    }
    return null;
  }

  @Test
  void everyRelativeLinkResolves() throws IOException {
    List<String> broken = new ArrayList<>();
    Map<Path, Set<String>> anchors = new HashMap<>();
    int checked = 0;
    for (Path page : pages()) {
      List<String> lines = Files.readAllLines(page);
      boolean fenced = false;
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i);
        if (l.strip().startsWith("```")) {
          fenced = !fenced;
          continue;
        }
        if (fenced || l.startsWith("    ")) {
          continue;
        }
        Matcher m = LINK.matcher(INLINE_CODE.matcher(l).replaceAll(""));
        while (m.find()) {
          String target = m.group(2);
          if (target.matches("(?i)(https?|mailto):.*")) {
            continue;
          }
          checked++;
          int hash = target.indexOf('#');
          String file = hash < 0 ? target : target.substring(0, hash);
          String anchor = hash < 0 ? null : target.substring(hash + 1);
          Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
          String where = ROOT.relativize(page) + ":" + (i + 1) + ": " + m.group();
          if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
            broken.add(where + " (no such file: " + resolved + ")");
          } else if (anchor != null) {
            Set<String> known = anchors.computeIfAbsent(resolved, DocsTest::headingAnchors);
            if (!known.contains(anchor)) {
              broken.add(where + " (no heading #" + anchor + " in " + ROOT.relativize(resolved)
                  + "; it has " + known + ")");
            }
          }
        }
      }
    }
    assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    assertTrue(checked >= 10, "relative links checked: " + checked);
  }

  /** The anchors GitHub gives the headings of a Markdown file. */
  static Set<String> headingAnchors(Path md) {
    Set<String> anchors = new LinkedHashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    boolean fenced = false;
    try {
      for (String l : Files.readAllLines(md)) {
        if (l.strip().startsWith("```")) {
          fenced = !fenced;
        }
        if (fenced || !l.matches("#{1,6} .*")) {
          continue;
        }
        String slug = slug(l.replaceFirst("^#+ ", ""));
        int n = seen.merge(slug, 1, Integer::sum);
        anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return anchors;
  }

  /** GitHub's heading slug: lower case, punctuation dropped, spaces to hyphens. */
  static String slug(String heading) {
    return heading.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "")
        .replace(' ', '-');
  }

  @Test
  void slugsAreGithubs() {
    assertEquals("sft-train-reward-train-cost-the-models",
        slug("sft, train-reward, train-cost: the models"));
    assertEquals("bench-data", slug("`bench data`"));
    assertEquals("running-on-a-cluster", slug("Running on a cluster"));
  }

  @Test
  void theReadmeIsAShortFrontPage() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
    assertTrue(lines.size() <= 150, "README.md has " + lines.size() + " lines; details belong in "
        + "docs/");
    String readme = String.join("\n", lines);
    for (String page : List.of("stages.md", "configuration.md", "outputs.md", "real-models.md",
        "cluster.md", "algorithms.md", "benchmarks.md", "development.md")) {
      assertTrue(readme.contains("(docs/" + page), "README links docs/" + page);
    }
    assertTrue(readme.contains("jobs/bin/dualign demo") && readme.contains("mvn -B verify"),
        "the two commands");
    assertTrue(Files.readString(ROOT.resolve(".ci/run")).contains("\nmvn -B verify"),
        "CI runs the README's test command");
  }

  @Test
  void noFileTellsTheHistoryOfItsConstruction() throws IOException {
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(ROOT)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        Path rel = ROOT.relativize(f);
        String first = rel.getName(0).toString();
        if (first.startsWith(".git") || first.equals("runs") || first.equals(".venv")
            || rel.toString().contains("target/")
            || !rel.toString().matches(".*\\.(java|md|conf|properties|py|sh|xml|yaml|yml|ipynb"
                + "|txt)$|.*/(Dockerfile|run|dualign)$") || Files.size(f) > 4_000_000) {
          continue;
        }
        List<String> lines = Files.readAllLines(f);
        for (int i = 0; i < lines.size(); i++) {
          if (HISTORY.matcher(lines.get(i)).find()) {
            found.add(rel + ":" + (i + 1) + ": " + lines.get(i).strip());
          }
        }
      }
    }
    assertTrue(found.isEmpty(), "the product speaks of the product; history belongs in git and "
        + "CHANGELOG.md:\n" + String.join("\n", found));
  }
}
