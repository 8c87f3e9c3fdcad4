package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.eval.EvaluationTables;
import io.dualign.eval.SweepTable;
import io.dualign.run.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The notebooks under {@code notebooks/} are valid nbformat 4 documents, and every column they
 * read exists in the documented output schemas: each {@code read_table("<output>", COLUMNS)} call
 * names tables and columns of the schemas below (evaluate's from {@link EvaluationTables}, the
 * threshold sweep's from {@link SweepTable},
 * solve-dual's as {@code SolveDual} writes them), and every {@code ["name"]} subscript is a column
 * read, a column the notebook builds itself, or a documented {@code _SUCCESS.json} key. f-string
 * names are checked with the constraint {@code safety}. They are committed stripped: no outputs,
 * no execution counts, no execution metadata. When {@code /usr/bin/python3} has {@code nbformat},
 * the notebooks are also validated by it and every code cell is parsed as Python. {@link
 * NotebooksIT} executes them.
 */
class NotebooksTest {
  static final String CONSTRAINT = "safety";
  static final List<Constraint> CONSTRAINTS =
      List.of(new Constraint(CONSTRAINT, ConstraintForm.RELATIVE, 1.0));
  /** Keys of solve-dual's and align's iteration markers the notebooks may read. */
  static final Set<String> MARKER_KEYS = Set.of("iteration", "lambda", "estimate", "next_lambda",
      "constraint", "slack", "stderr", "lower95", "upper95", "n");
  static final Pattern READ = Pattern.compile(
      "read_table\\(\\s*\"([^\"]+)\"\\s*,\\s*(\\[[^\\]]*\\]|[A-Z_]+)");
  static final Pattern ASSIGNED_LIST = Pattern.compile("(?m)^([A-Z_]+) = (\\[[^\\]]*\\])");
  static final Pattern STRING = Pattern.compile("f?\"([^\"]*)\"");
  static final Pattern SUBSCRIPT = Pattern.compile("\\[\\s*f?([\"'])([^\"'\\[\\]]+)\\1\\s*\\]");
  static final Pattern GET = Pattern.compile("\\.get\\(\\s*\"([^\"]+)\"");
  static final Pattern DICT_KEY = Pattern.compile("\\{?\\s*\"([a-z_0-9]+)\":");

  static Map<String, Set<String>> schemas() {
    Map<String, Set<String>> m = new LinkedHashMap<>();
    m.put("evaluate/summary", Set.of(EvaluationTables.summarySchema(CONSTRAINTS).fieldNames()));
    m.put("evaluate/samples", Set.of(EvaluationTables.samplesSchema(CONSTRAINTS).fieldNames()));
    // as io.dualign.algo.oneshot.SolveDual documents and writes them
    m.put("solve-dual/trajectory", Set.of("run_id", "step", "lambda_" + CONSTRAINT,
        "gradient_" + CONSTRAINT, "dual_value", "gradient_norm", "step_size"));
    m.put("solve-dual/lambda", Set.of("run_id", "constraint", "form", "threshold", "lambda",
        "predicted_slack", "at_cap"));
    m.put("sweep/summary", Set.of(SweepTable.schema(CONSTRAINTS.get(0)).fieldNames()));
    return m;
  }

  static List<Path> notebooks() throws Exception {
    try (Stream<Path> s = Files.list(ProjectFiles.root().resolve("notebooks"))) {
      return s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
    }
  }

  static String f(String s) {
    return s.replace("{CONSTRAINT}", CONSTRAINT);
  }

  @Test
  @SuppressWarnings("unchecked")
  void notebooksAreValidAndReadOnlyDocumentedColumns() throws Exception {
    List<Path> books = notebooks();
    assertEquals(3, books.size(), books.toString());
    Map<String, Set<String>> schemas = schemas();
    Set<String> tablesRead = new TreeSet<>();
    for (Path nb : books) {
      Map<String, Object> doc = Json.readMap(Files.readAllBytes(nb));
      assertEquals(4, ((Number) doc.get("nbformat")).intValue(), nb.toString());
      assertTrue(((Number) doc.get("nbformat_minor")).intValue() >= 0);
      assertTrue(doc.get("metadata") instanceof Map, nb + " metadata");
      assertEquals(List.of(), unstripped(doc), nb.getFileName() + " is committed with what an "
          + "execution leaves; strip it (Jupyter: Clear All Outputs, or jupyter nbconvert "
          + "--clear-output --inplace) before committing");
      List<Map<String, Object>> cells = (List<Map<String, Object>>) doc.get("cells");
      StringBuilder src = new StringBuilder();
      boolean parameters = false;
      Set<String> ids = new HashSet<>();
      for (Map<String, Object> c : cells) {
        String type = (String) c.get("cell_type");
        assertTrue(List.of("code", "markdown").contains(type), nb + ": cell type " + type);
        assertTrue(c.get("metadata") instanceof Map, nb + ": cell metadata");
        assertTrue(ids.add((String) c.get("id")), nb + ": duplicate or missing cell id");
        String text = String.join("", (List<String>) c.get("source"));
        if ("code".equals(type)) {
          Object tags = ((Map<String, Object>) c.get("metadata")).get("tags");
          if (tags instanceof List<?> t && t.contains("parameters")) {
            parameters = true;
            assertTrue(text.contains("RUN_DIR = "), nb + ": RUN_DIR is a parameter");
          }
          src.append(text).append('\n');
        }
      }
      assertTrue(parameters, nb + " has a parameters cell");
      String code = src.toString();

      Map<String, String> lists = new LinkedHashMap<>();
      Matcher al = ASSIGNED_LIST.matcher(code);
      while (al.find()) {
        lists.put(al.group(1), al.group(2));
      }
      Set<String> read = new HashSet<>();
      Matcher rm = READ.matcher(code);
      int reads = 0;
      while (rm.find()) {
        reads++;
        String table = rm.group(1);
        String list = rm.group(2).startsWith("[") ? rm.group(2) : lists.get(rm.group(2));
        assertTrue(list != null, nb + ": the columns " + rm.group(2) + " are a literal list");
        assertTrue(schemas.containsKey(table), nb + ": reads undocumented table " + table);
        tablesRead.add(table);
        Matcher sm = STRING.matcher(list);
        while (sm.find()) {
          String column = f(sm.group(1));
          assertTrue(schemas.get(table).contains(column),
              nb.getFileName() + " reads column '" + column + "' that " + table + " lacks");
          read.add(column);
        }
      }
      assertTrue(reads > 0, nb + " reads a table");
      assertFalse(code.replace("pd.read_parquet(Path(run_dir or RUN_DIR)", "")
          .contains("read_parquet("), nb + ": every parquet read goes through read_table");
      Set<String> built = new HashSet<>();
      Matcher dk = DICT_KEY.matcher(code);
      while (dk.find()) {
        built.add(dk.group(1));
      }
      List<String> unknown = new ArrayList<>();
      Matcher sub = SUBSCRIPT.matcher(code);
      while (sub.find()) {
        String name = f(sub.group(2));
        if (!read.contains(name) && !built.contains(name) && !MARKER_KEYS.contains(name)) {
          unknown.add(name);
        }
      }
      Matcher g = GET.matcher(code);
      while (g.find()) {
        if (!MARKER_KEYS.contains(g.group(1))) {
          unknown.add(g.group(1));
        }
      }
      assertEquals(List.of(), unknown, nb.getFileName() + " uses names that are neither read "
          + "columns, built columns nor documented marker keys");
    }
    assertEquals(schemas.keySet(), tablesRead, "the notebooks cover every documented table");
    pythonValidation(books);
  }

  /**
   * What an execution left in a notebook: per code cell, outputs, an execution count or execution
   * metadata (nbclient's {@code execution} timings, {@code collapsed}, {@code scrolled}).
   */
  @SuppressWarnings("unchecked")
  static List<String> unstripped(Map<String, Object> doc) {
    List<String> found = new ArrayList<>();
    int i = 0;
    for (Map<String, Object> c : (List<Map<String, Object>>) doc.get("cells")) {
      i++;
      if (!"code".equals(c.get("cell_type"))) {
        continue;
      }
      if (!List.of().equals(c.get("outputs"))) {
        found.add("cell " + i + ": outputs");
      }
      if (!c.containsKey("execution_count") || c.get("execution_count") != null) {
        found.add("cell " + i + ": execution_count " + c.get("execution_count"));
      }
      Map<String, Object> meta = (Map<String, Object>) c.get("metadata");
      for (String k : List.of("execution", "collapsed", "scrolled")) {
        if (meta != null && meta.containsKey(k)) {
          found.add("cell " + i + ": metadata " + k);
        }
      }
    }
    return found;
  }

  @Test
  @SuppressWarnings("unchecked")
  void aNotebookWithTheOutputsOfAnExecutionIsRefused() throws Exception {
    Map<String, Object> doc = Json.readMap(Files.readAllBytes(notebooks().get(0)));
    assertEquals(List.of(), unstripped(doc));
    Map<String, Object> cell = ((List<Map<String, Object>>) doc.get("cells")).stream()
        .filter(c -> "code".equals(c.get("cell_type"))).findFirst().orElseThrow();
    cell.put("outputs", List.of(Map.of("output_type", "stream", "name", "stdout",
        "text", List.of("hello\n"))));
    cell.put("execution_count", 1);
    ((Map<String, Object>) cell.get("metadata")).put("execution", Map.of());
    List<String> found = unstripped(doc);
    assertEquals(3, found.size(), found.toString());
    assertTrue(found.get(0).endsWith(": outputs"), found.toString());
  }

  /**
   * nbformat's own validation and a Python parse of each code cell, with the project's Python
   * environment ({@link ProjectVenv}) or else {@code /usr/bin/python3}, when it has nbformat.
   */
  static void pythonValidation(List<Path> books) throws Exception {
    Path venv = ProjectVenv.bin("python");
    Path python = Files.isExecutable(venv) ? venv : Path.of("/usr/bin/python3");
    if (!Files.isExecutable(python)) {
      System.out.println("NotebooksTest: /usr/bin/python3 is absent; nbformat validation skipped "
          + "(the structural checks above still ran)");
      return;
    }
    String script = String.join("\n",
        "import ast, sys",
        "try:",
        "    import nbformat",
        "except ImportError:",
        "    print('NO-NBFORMAT'); sys.exit(0)",
        "for p in sys.argv[1:]:",
        "    nb = nbformat.read(p, as_version=4)",
        "    nbformat.validate(nb)",
        "    for c in nb.cells:",
        "        if c.cell_type == 'code':",
        "            ast.parse(c.source, p)",
        "print('VALID', len(sys.argv) - 1)");
    List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c", script));
    books.forEach(b -> cmd.add(b.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 finished");
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (out.equals("NO-NBFORMAT")) {
      System.out.println("NotebooksTest: python3 has no nbformat module (Debian: python3-nbformat);"
          + " nbformat validation skipped (the structural checks above still ran)");
      return;
    }
    assertEquals(0, p.exitValue(), out);
    assertEquals("VALID " + books.size(), out);
    System.out.println("NotebooksTest: nbformat validated " + books.size() + " notebooks");
  }
}
