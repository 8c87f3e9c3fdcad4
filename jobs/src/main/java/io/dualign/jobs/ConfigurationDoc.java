package io.dualign.jobs;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.dualign.config.ConfigLoader;
import io.dualign.config.KeyDeclaration;
import io.dualign.config.Profiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code ConfigurationDoc} is {@code docs/configuration.md} rendered from the key declarations of
 * {@code conf/dualign.conf} (as {@link ConfigLoader} reads them: each key's default, its range and
 * the comment above it) and the values each profile of {@code conf/profiles/} sets.
 *
 * <p>Run {@code main} to rewrite the file after changing a declaration; {@code ConfigurationDocTest}
 * fails while the file and the declarations disagree.
 */
public final class ConfigurationDoc {
  /** Where the rendered page lives, relative to the project root. */
  public static final String PATH = "docs/configuration.md";

  /** The commands that rewrite {@link #PATH}, run from the project root. */
  public static final String REGENERATE = "mvn -B -q -pl jobs -am -DskipTests package && "
      + "java -cp jobs/target/dualign.jar io.dualign.jobs.ConfigurationDoc " + PATH;

  private static final ConfigRenderOptions CONCISE = ConfigRenderOptions.concise();

  private ConfigurationDoc() {}

  /** Writes the page to the path given as the only argument (default {@link #PATH}). */
  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : PATH);
    String page = render(ConfigLoader.fromClasspath());
    Files.writeString(out, page, StandardCharsets.UTF_8);
    System.out.println("wrote " + out + " (" + ConfigLoader.fromClasspath().declarations().size()
        + " keys)");
  }

  /** The page for the declarations {@code loader} holds. */
  public static String render(ConfigLoader loader) {
    Map<String, Map<String, ConfigValue>> byProfile = new LinkedHashMap<>();
    for (String profile : Profiles.names()) {
      byProfile.put(profile, loader.profileValues(profile));
    }
    List<KeyDeclaration> keys = new ArrayList<>(loader.declarations().values());
    keys.sort(Comparator.comparingInt(d -> d.defaultValue().origin().lineNumber()));
    Map<String, List<KeyDeclaration>> bySection = new LinkedHashMap<>();
    for (String section : loader.sectionDocs().keySet()) {
      bySection.put(section, new ArrayList<>());
    }
    for (KeyDeclaration d : keys) {
      bySection.get(section(d.key())).add(d);
    }
    // A section that only holds another (tracking around tracking.mlflow) gets no heading.
    bySection.values().removeIf(List::isEmpty);

    StringBuilder md = new StringBuilder();
    md.append("<!-- Generated from conf/dualign.conf by io.dualign.jobs.ConfigurationDoc; do not "
        + "edit. Change the comments in conf/dualign.conf, then run: ").append(REGENERATE)
        .append(" -->\n");
    md.append(INTRO);
    md.append("\n## Keys\n\n").append(count(keys.size(), "key")).append(" in ")
        .append(count(bySection.size(), "section")).append(". Profiles: ")
        .append(String.join(", ", Profiles.names().stream()
            .map(p -> "`" + p + "` (sets " + count(byProfile.get(p).size(), "key") + ")")
            .toList()))
        .append(".\n");
    for (Map.Entry<String, String> s : loader.sectionDocs().entrySet()) {
      if (!bySection.containsKey(s.getKey())) {
        continue;
      }
      md.append("\n### ").append(s.getKey()).append("\n\n");
      if (!s.getValue().isEmpty()) {
        md.append(text(s.getValue())).append("\n\n");
      }
      for (KeyDeclaration d : bySection.get(s.getKey())) {
        md.append("- **`").append(d.key()).append("`** = `")
            .append(d.defaultValue().render(CONCISE)).append("` — ").append(d.allowed())
            .append(".");
        if (!d.doc().isEmpty()) {
          md.append(" ").append(text(d.doc()));
        }
        List<String> set = new ArrayList<>();
        byProfile.forEach((profile, values) -> {
          ConfigValue v = values.get(d.key());
          if (v != null) {
            set.add(profile + " `" + v.render(CONCISE) + "`");
          }
        });
        if (!set.isEmpty()) {
          md.append("<br>Profiles: ").append(String.join(", ", set)).append(".");
        }
        md.append("\n");
      }
    }
    return md.toString();
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static String section(String key) {
    return key.substring(0, key.lastIndexOf('.'));
  }

  /** Comment text as Markdown: angle brackets would read as HTML tags. */
  private static String text(String comment) {
    return comment.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static final String INTRO = """
      # Configuration

      Every key is declared once, in `conf/dualign.conf` (HOCON): its default, its type (that of
      the default), its valid range and what it does. This page lists them all.

      ## How a value is chosen

      Each layer overrides the one before:

      1. `conf/dualign.conf`, the defaults;
      2. the profile, `--profile NAME` from `conf/profiles/` (default: `default`): `tiny` (tests
         and CI), `default` (the demo), `large` (the sizes of `conf/dualign.conf` as they are),
         `gpu-7b` (the paper's setting for 7B Llama models on 80 GB GPU executors: LoRA r = 8, T = 4, 600 prompts × 64 samples);
      3. `--config FILE`, a HOCON file of your own;
      4. `--set key=value`, repeatable, applied last; `--master URL` is
         `--set runtime.master=URL`, and `prepare --input PATH` is `--set data.input=PATH`.

      A key that is not declared (the message suggests the nearest declared key), a value of the
      wrong type or a value out of range is exit 2 before anything runs, e.g.
      `dualign: runtime.djlThreadsPerTask = 0 is not allowed (from --set
      runtime.djlThreadsPerTask=0): expected an integer in [1, 256]`.

      The resolved configuration is written to the run's `manifest.json`. A later invocation on
      the same run directory must give every key the same value, except the keys under
      `runtime.` and `dual.sweep` (a threshold sweep may be added, extended or cut on a run);
      otherwise it exits 2 naming the keys that differ. A key the run's manifest does not hold
      (a run made by an earlier version) counts as a difference.

      The keys that name data (`data.input`, `evaluate.extraPrompts`) and `--run-dir` are checked
      before Spark starts: local paths, `file:` and any Hadoop URI whose file system the JVM
      serves (`hdfs://`, `s3a://` with hadoop-aws), globs and, for `data.input`,
      comma-separated lists. Download schemes (`http`, `https`, `ftp`, `sftp`, `jar`) are refused:
      nothing is fetched at run time. A local location that does not exist, a glob that matches
      nothing, or a run directory that is a file, a glob, or an existing folder holding
      something that is not a dualign output, is exit 2 with one line naming the key, the value
      and the reason.
      """;
}
