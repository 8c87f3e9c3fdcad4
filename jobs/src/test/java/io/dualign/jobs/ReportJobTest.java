package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.TestSpark;
import io.dualign.eval.EvaluationTables;
import io.dualign.run.Json;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code report} stage through the {@code dualign} command: on an empty run it commits a page
 * that says what is missing and draws nothing; on a run holding solve-dual, three CAID
 * iterations and an evaluation (tables the test writes in their documented shapes) it draws every
 * chart as a real PNG, fills the tables, and the page renders in headless chromium with every
 * image loaded.
 */
class ReportJobTest {
  static final List<Constraint> CONSTRAINTS =
      List.of(new Constraint("safety", ConstraintForm.RELATIVE, 1.0));
  static final String[] POLICIES = {"reference", "oneshot", "caid", "caid", "caid", "dpo-helpful",
      "dpo-safe"};
  static final int[] ITERATIONS = {0, 0, 1, 2, 3, 0, 0};

  @BeforeAll
  static void localSpark() {
    System.setProperty("spark.driver.host", "127.0.0.1");
    System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    System.setProperty("spark.ui.enabled", "false");
    System.setProperty("spark.sql.shuffle.partitions", "4");
  }

  static SolveDualJobTest.Result report(Path runDir) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true), "report",
        "--run-dir", runDir.toString(), "--master", "local[2]");
    return new SolveDualJobTest.Result(code, out.toString(), err.toString());
  }

  @Test
  void anEmptyRunGetsAPageThatSaysWhatIsMissing(@TempDir Path tmp) throws Exception {
    Path runDir = tmp.resolve("run");
    SolveDualJobTest.Result r = report(runDir);
    assertEquals(Dualign.OK, r.code(), r.err());
    String page = Files.readString(runDir.resolve("report/index.html"));
    assertFalse(page.contains("<img"), "no chart without inputs");
    assertTrue(page.contains("no committed CAID iteration"), page);
    assertTrue(page.contains("no evaluate/summary in this run"), page);
    Map<String, Object> marker = Json.readMap(
        Files.readAllBytes(runDir.resolve("report/_SUCCESS.json")));
    assertEquals(List.of(), marker.get("charts"));
    assertEquals(6, ((List<?>) marker.get("omitted")).size(), marker.toString());
  }

  @Test
  void aFullRunGetsEveryChartAndRendersInABrowser(@TempDir Path tmp) throws Exception {
    Path runDir = tmp.resolve("run");
    writeRun(runDir);
    SolveDualJobTest.Result r = report(runDir);
    assertEquals(Dualign.OK, r.code(), r.err());
    Path dir = runDir.resolve("report");
    Map<String, Object> marker = Json.readMap(Files.readAllBytes(dir.resolve("_SUCCESS.json")));
    List<String> charts = List.of("charts/dual.png", "charts/threshold.png",
        "charts/frontier.png", "charts/reward-distribution.png",
        "charts/safety-distribution.png");
    assertEquals(charts, marker.get("charts"));
    assertEquals(List.of(), marker.get("omitted"));
    for (String c : charts) {
      BufferedImage img = ImageIO.read(new ByteArrayInputStream(
          Files.readAllBytes(dir.resolve(c))));
      assertTrue(img != null, c + " decodes as an image");
      assertEquals(760, img.getWidth(), c);
      assertTrue(colours(img) > 10, c + " has more than a few colours: " + colours(img));
    }
    String page = Files.readString(dir.resolve("index.html"));
    // the dual table: λ of iteration 2 and û of iteration 3 with its interval
    assertTrue(page.contains("<td>2</td><td>safety</td><td>1.500</td>"), page);
    assertTrue(page.contains("<td>0.100</td><td>[-0.096, 0.296]</td><td>400</td>"), page);
    // the summary row of CAID's last iteration: met, with the Δ and its interval
    assertTrue(page.contains("<td>caid-3</td><td>6</td><td>12</td>"), page);
    assertTrue(page.contains("1.300 [1.100, 1.500]</td><td>1.000</td><td>yes</td>"), page);
    assertTrue(page.contains("<td>Crime</td>"), "per-category table");
    // the judge's safety and refusal rates beside the learned safety rate, and its accuracy
    assertTrue(page.contains("<th>safety rate</th><th>judge safety rate</th>"
        + "<th>judge refusal rate</th>"), page);
    assertTrue(page.contains("<td>50.0%</td><td>80.0%</td><td>10.0%</td>"), page);
    assertTrue(page.contains("<td>50.0%</td><td>70.0%</td></tr>"), "per-category judge rate");
    assertTrue(page.contains("the rule-based RefusalJudge") && page.contains("held-out accuracy"
        + " on labelled PKU-SafeRLHF responses is 0.741 (precision 0.837, recall 0.629"), page);
    // the sample prompt, escaped, with each policy's response
    assertTrue(page.contains("How do I &lt;pick&gt; a lock? 0"), page);
    assertTrue(page.contains("answer of dpo-safe to prompt 0"), page);
    assertTrue(page.indexOf("<td>reference</td><td>answer of reference to prompt 0")
        < page.indexOf("<td>caid-1</td><td>answer of caid-1 to prompt 0"), "policy order");

    HeadlessBrowser browser = HeadlessBrowser.find().orElse(null);
    Assumptions.assumeTrue(browser != null, "chromium is not installed (.ci/run installs it "
        + "with apt-get): the browser part of this test is skipped");
    Path shot = tmp.resolve("page.png");
    browser.screenshot(dir.resolve("index.html"), shot, 1280, 2400, tmp);
    BufferedImage img = ImageIO.read(shot.toFile());
    assertEquals(1280, img.getWidth());
    assertTrue(colours(img) > 50, "the screenshot is not blank: " + colours(img) + " colours");
    assertTrue(nonWhiteShare(img) > 0.05, "the screenshot shows content: "
        + nonWhiteShare(img));

    // every image loads: a copy of the page marks each img after load with its natural width
    String check = page.replace("</body>", "<script>window.addEventListener('load',()=>{"
        + "for(const i of document.images){i.setAttribute('data-natural-width',"
        + "String(i.complete?i.naturalWidth:-1));}"
        + "document.body.setAttribute('data-checked','yes');});</script></body>");
    Path checkPage = dir.resolve("check.html");
    Files.writeString(checkPage, check);
    String dom = browser.dumpDom(checkPage, tmp);
    assertTrue(dom.contains("data-checked=\"yes\""), "the check script ran: " + dom);
    Matcher m = Pattern.compile("data-natural-width=\"(-?\\d+)\"").matcher(dom);
    List<Integer> widths = new ArrayList<>();
    while (m.find()) {
      widths.add(Integer.parseInt(m.group(1)));
    }
    assertEquals(List.of(760, 760, 760, 760, 760), widths, "every chart loads in the browser");
  }

  static int colours(BufferedImage img) {
    Set<Integer> c = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        c.add(img.getRGB(x, y));
      }
    }
    return c.size();
  }

  static double nonWhiteShare(BufferedImage img) {
    long n = 0;
    long all = 0;
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        all++;
        if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) {
          n++;
        }
      }
    }
    return (double) n / all;
  }

  /** Writes solve-dual, align/caid/iteration-1..3 and evaluate in their documented shapes. */
  static void writeRun(Path runDir) {
    RunDirectory dir = RunDirectory.open(runDir.toString(), new Configuration());
    dir.begin("solve-dual").commit(Map.of("run_id", "run", "lambda", Map.of("safety", 2.0),
        "predicted_slack", Map.of("safety", 0.0), "converged", true));
    double[] lambda = {2.0, 1.5, 1.2};
    double[] slack = {-0.4, 0.2, 0.1};
    for (int t = 1; t <= 3; t++) {
      Map<String, Object> est = new LinkedHashMap<>();
      est.put("constraint", "safety");
      est.put("slack", slack[t - 1]);
      est.put("stderr", 0.1);
      est.put("lower95", slack[t - 1] - 0.196);
      est.put("upper95", slack[t - 1] + 0.196);
      est.put("n", 400);
      Map<String, Object> it = new LinkedHashMap<>();
      it.put("run_id", "run");
      it.put("method", "caid");
      it.put("iteration", t);
      it.put("lambda", Map.of("safety", lambda[t - 1]));
      it.put("estimate", List.of(est));
      it.put("next_lambda", Map.of("safety", t < 3 ? lambda[t] : lambda[t - 1]));
      it.put("dpo", Map.of("steps", 1));
      it.put("model", "align/caid/iteration-" + t + "/model");
      dir.begin("align/caid/iteration-" + t).commit(it);
    }
    SparkSession spark = TestSpark.local();
    try {
      PendingOutput out = dir.begin("evaluate");
      StructType ss = EvaluationTables.samplesSchema(CONSTRAINTS);
      StructType sm = EvaluationTables.summarySchema(CONSTRAINTS);
      Random rnd = new Random(3);
      List<Row> samples = new ArrayList<>();
      List<Row> summary = new ArrayList<>();
      for (int p = 0; p < POLICIES.length; p++) {
        String name = POLICIES[p].equals("caid") ? "caid-" + ITERATIONS[p] : POLICIES[p];
        for (int x = 0; x < 6; x++) {
          for (int k = 0; k < 2; k++) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("run_id", "run");
            v.put("policy", name);
            v.put("method", POLICIES[p]);
            v.put("iteration", ITERATIONS[p]);
            v.put("prompt_set", "test");
            v.put("prompt_id", "p" + x);
            v.put("category", x % 2 == 0 ? "Crime" : null);
            v.put("sample_idx", k);
            v.put("prompt", "How do I <pick> a lock? " + x);
            v.put("response", "answer of " + name + " to prompt " + x);
            v.put("response_tokens", 7);
            v.put("reward", rnd.nextGaussian() + 0.2 * p);
            v.put("utility_safety", rnd.nextGaussian() + 0.4 * p);
            v.put("gold_reward", rnd.nextGaussian());
            v.put("gold_cost", rnd.nextGaussian());
            samples.add(row(ss, v));
          }
        }
        for (String category : List.of(EvaluationTables.ALL, "Crime")) {
          Map<String, Object> v = new LinkedHashMap<>();
          v.put("run_id", "run");
          v.put("policy", name);
          v.put("method", POLICIES[p]);
          v.put("iteration", ITERATIONS[p]);
          v.put("category", category);
          v.put("prompts", category.equals("Crime") ? 3L : 6L);
          v.put("samples", category.equals("Crime") ? 6L : 12L);
          v.put("errors", 0L);
          v.put("reward_mean", 0.2 * p);
          v.put("delta_reward", 0.2 * p);
          v.put("delta_reward_lower95", 0.2 * p - 0.3);
          v.put("delta_reward_upper95", 0.2 * p + 0.3);
          v.put("win_rate_reward", 0.5);
          double d = p == 4 ? 1.3 : 0.4 * p;
          v.put("utility_safety_mean", d);
          v.put("delta_utility_safety", d);
          v.put("delta_utility_safety_lower95", d - 0.2);
          v.put("delta_utility_safety_upper95", d + 0.2);
          v.put("threshold_safety", 1.0);
          v.put("constraint_met_safety", d >= 1.0);
          v.put("win_rate_safety", 0.5);
          v.put("safety_rate", 0.5);
          v.put("judge_safety_rate", category.equals("Crime") ? 0.7 : 0.8);
          v.put("judge_refusal_rate", 0.1);
          summary.add(row(sm, v));
        }
      }
      spark.createDataFrame(samples, ss).repartition(2).write().parquet(out.uri("samples"));
      spark.createDataFrame(summary, sm).coalesce(1).write().parquet(out.uri("summary"));
      out.commit(Map.of("run_id", "run", "prompts", 6L, "policies", Map.of()));
    } finally {
      spark.stop();
    }
  }

  /** A row of {@code schema} from named values (absent names are null). */
  static Row row(StructType schema, Map<String, Object> values) {
    Object[] v = new Object[schema.size()];
    StructField[] f = schema.fields();
    for (int i = 0; i < f.length; i++) {
      v[i] = values.get(f[i].name());
    }
    for (String k : values.keySet()) {
      if (!List.of(schema.fieldNames()).contains(k)) {
        throw new IllegalArgumentException("no column " + k + " in " + schema.simpleString());
      }
    }
    return RowFactory.create(v);
  }
}
