package io.dualign.report;

import static org.apache.spark.sql.functions.col;

import io.dualign.dual.Constraint;
import io.dualign.eval.EvaluationTables;
import io.dualign.eval.PolicyId;
import io.dualign.eval.RefusalJudge;
import io.dualign.eval.SweepTable;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.SweepLayout;
import io.dualign.run.marker.AlignIterationMarker;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.SlackFigures;
import io.dualign.run.marker.SolveDualMarker;
import io.dualign.run.marker.StageMarker;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A {@code RunReport} is the static HTML page of one run ({@code report/index.html} with PNG
 * charts under {@code report/charts/}). It renders whatever the run holds: the one-shot λ*
 * ({@code solve-dual/_SUCCESS.json}), the CAID iterations
 * ({@code align/caid/iteration-<t>/_SUCCESS.json}: {@code lambda} and the slack estimates û,
 * read as {@link AlignIterationMarker}), and the evaluation
 * ({@code evaluate/summary}, {@code evaluate/samples}); with a threshold sweep
 * ({@code sweep/summary}), Fig. 1a and 1b show every b of the sweep instead of the run's one b.
 * A chart whose inputs are absent is left
 * out with a note on the page saying what is missing; nothing is drawn from invented values.
 */
public final class RunReport {
  static final Pattern ITERATION_DIR = Pattern.compile("iteration-(\\d+)");

  private final SparkSession spark;
  private final RunDirectory run;
  private final List<Constraint> constraints;
  private final int samplePrompts;
  private final Html html = new Html();
  private final List<String> charts = new ArrayList<>();
  private final List<String> omitted = new ArrayList<>();
  /** Per chart, the number of points of each series drawn (in the marker, for checks). */
  private final Map<String, Object> chartPoints = new LinkedHashMap<>();

  public RunReport(SparkSession spark, RunDirectory run, List<Constraint> constraints,
      int samplePrompts) {
    this.spark = spark;
    this.run = run;
    this.constraints = List.copyOf(constraints);
    this.samplePrompts = samplePrompts;
  }

  /**
   * A {@code Drawn} is what a report page holds, for its marker ({@code page}, {@code charts},
   * {@code omitted} and {@code chart_points} of {@link io.dualign.run.marker.ReportMarker}).
   *
   * @param page the page below the report folder
   * @param charts the charts written, below the report folder
   * @param omitted the sections left out, each with why
   * @param chartPoints per chart, the number of points of each series drawn
   */
  public record Drawn(String page, List<String> charts, List<String> omitted,
      Map<String, Object> chartPoints) {}

  /**
   * Writes {@code index.html} and {@code charts/*.png} under {@code dir}.
   *
   * @return what was drawn: charts written and sections omitted (with why)
   */
  public Drawn write(Path dir) throws IOException {
    Map<String, Object> manifest = run.manifest().orElse(Map.of());
    html.begin("dualign run " + manifest.getOrDefault("run_id", run.root().getName()));
    html.para("Run directory <code>" + Html.esc(run.root().toString()) + "</code>, profile "
        + Html.esc(String.valueOf(manifest.getOrDefault("profile", "?"))) + ", constraints "
        + Html.esc(constraintText()) + ".");
    stagesTable();

    Dataset<Row> summary = table(EvaluationTables.SUMMARY,
        EvaluationTables.summarySchema(constraints));
    Dataset<Row> samples = table(EvaluationTables.SAMPLES,
        EvaluationTables.samplesSchema(constraints));
    List<Row> overall = summary == null ? List.of()
        : sortByPolicy(summary.filter(col("category").equalTo(EvaluationTables.ALL))
            .collectAsList());

    List<Row> sweep = sweepRows();
    dualSection(dir);
    if (sweep == null) {
      thresholdSection(dir, overall);
      frontierSection(dir, overall);
    } else {
      sweepThresholdSection(dir, sweep);
      sweepFrontierSection(dir, sweep);
      sweepTableSection(sweep);
    }
    distributionSection(dir, samples);
    summarySection(summary, overall);
    samplesSection(samples);
    html.end();

    try (OutputStream o = run.fs().create(new Path(dir, "index.html"), true)) {
      o.write(html.toString().getBytes(StandardCharsets.UTF_8));
    }
    return new Drawn("index.html", List.copyOf(charts), List.copyOf(omitted), chartPoints);
  }

  private String constraintText() {
    List<String> s = new ArrayList<>();
    for (Constraint c : constraints) {
      s.add(c.name() + " (" + c.form().configName() + ", threshold " + num(c.threshold()) + ")");
    }
    return String.join(", ", s);
  }

  private void stagesTable() {
    html.h2("Stages");
    List<List<String>> rows = new ArrayList<>();
    for (io.dualign.vocabulary.Stage s : io.dualign.vocabulary.Stage.PIPELINE_ORDER) {
      OutputState st = run.state(s.cliName());
      Double secs = run.marker(s.cliName(), Markers.typeOf(s.cliName()))
          .map(StageMarker::seconds).orElse(null);
      rows.add(List.of(s.cliName(), st.name().toLowerCase(Locale.ROOT),
          secs == null ? "" : String.valueOf(secs)));
    }
    html.table(List.of("stage", "state", "seconds"), rows);
  }

  // ---------------------------------------------------------------- dual trajectory

  /** The committed iterations of an align method ({@code caid}, {@code safe-rlhf}) by number. */
  TreeMap<Integer, AlignIterationMarker> iterations(String method) throws IOException {
    TreeMap<Integer, AlignIterationMarker> out = new TreeMap<>();
    Path folder = run.path("align/" + method);
    if (!run.fs().exists(folder)) {
      return out;
    }
    for (FileStatus st : run.fs().listStatus(folder)) {
      Matcher m = ITERATION_DIR.matcher(st.getPath().getName());
      if (st.isDirectory() && m.matches()) {
        String output = "align/" + method + "/" + st.getPath().getName();
        run.marker(output, AlignIterationMarker.class)
            .ifPresent(mk -> out.put(Integer.parseInt(m.group(1)), mk));
      }
    }
    return out;
  }

  private void dualSection(Path dir) throws IOException {
    TreeMap<Integer, AlignIterationMarker> its = iterations("caid");
    TreeMap<Integer, AlignIterationMarker> safeRlhf = iterations("safe-rlhf");
    html.h2(safeRlhf.isEmpty() ? "Dual trajectory (CAID)" : "Dual trajectory (CAID, Safe RLHF)");
    SolveDualMarker oneShot = run.marker("solve-dual", SolveDualMarker.class).orElse(null);
    if (oneShot != null) {
      html.para("One-shot λ* (solve-dual, CAID's warm start): "
          + Html.esc(formatMap(oneShot.lambda())) + "; predicted slack "
          + Html.esc(formatMap(oneShot.predictedSlack())) + ".");
    }
    if (its.isEmpty() && safeRlhf.isEmpty()) {
      omit("dual", "no committed CAID iteration (align/caid/iteration-<t>/_SUCCESS.json); "
          + "run 'dualign align --method caid'");
      return;
    }
    Map<String, List<Charts.Point>> lambda = new LinkedHashMap<>();
    Map<String, List<Charts.Point>> slack = new LinkedHashMap<>();
    List<List<String>> rows = new ArrayList<>();
    if (oneShot != null) {
      for (Constraint c : constraints) {
        Double l = oneShot.lambda() == null ? null : oneShot.lambda().get(c.name());
        if (l != null) {
          lambda.computeIfAbsent(c.name(), k -> new ArrayList<>())
              .add(new Charts.Point(0, l, Double.NaN, Double.NaN));
        }
      }
    }
    trajectory(its, "", lambda, slack, rows);
    // Safe RLHF (when run): its own series, from its start dual.safeRlhf.lambdaInit at t = 1
    trajectory(safeRlhf, " (Safe RLHF)", lambda, slack, rows);
    if (lambda.isEmpty() && slack.isEmpty()) {
      omit("dual", "the CAID markers hold neither 'lambda' nor slack estimates");
    } else {
      chart(dir, "dual", Charts.dualTrajectory(lambda, slack),
          "λ per CAID iteration (iteration 0 = the one-shot warm start) and û with 95% intervals"
              + (safeRlhf.isEmpty() ? "" : "; the series marked (Safe RLHF) are the primal-dual "
              + "baseline's, which starts at dual.safeRlhf.lambdaInit"));
    }
    html.table(List.of("iteration", "constraint", "λ", "û", "95% interval", "n"), rows);
  }

  /**
   * Adds one method's λ and û per iteration and constraint to the chart series (named by the
   * constraint and {@code suffix}) and the table rows.
   */
  private void trajectory(TreeMap<Integer, AlignIterationMarker> its, String suffix,
      Map<String, List<Charts.Point>> lambda, Map<String, List<Charts.Point>> slack,
      List<List<String>> rows) {
    for (Map.Entry<Integer, AlignIterationMarker> e : its.entrySet()) {
      int t = e.getKey();
      for (int i = 0; i < constraints.size(); i++) {
        Constraint c = constraints.get(i);
        String series = c.name() + suffix;
        Map<String, Double> lambdas = e.getValue().lambda();
        Double l = lambdas == null ? null : lambdas.get(c.name());
        SlackFigures est = e.getValue().estimateOf(c.name());
        if (l != null) {
          lambda.computeIfAbsent(series, k -> new ArrayList<>())
              .add(new Charts.Point(t, l, Double.NaN, Double.NaN));
        }
        if (est != null && est.slack() != null) {
          slack.computeIfAbsent(series, k -> new ArrayList<>()).add(new Charts.Point(t,
              est.slack(), orNaN(est.lower95()), orNaN(est.upper95())));
        }
        rows.add(List.of(String.valueOf(t), series, l == null ? "" : num(l),
            est == null ? "" : num(orNaN(est.slack())),
            est == null ? "" : interval(orNaN(est.lower95()), orNaN(est.upper95())),
            est == null || est.n() == null ? "" : String.valueOf(est.n())));
      }
    }
  }

  // ---------------------------------------------------------------- evaluation charts

  private void thresholdSection(Path dir, List<Row> overall) {
    html.h2("Achieved Δ against the threshold (Fig. 1a)");
    if (overall.isEmpty()) {
      omit("threshold", "no evaluate/summary in this run; run 'dualign evaluate'");
      return;
    }
    Constraint c = constraints.get(0);
    Map<String, List<Charts.Point>> byMethod = new LinkedHashMap<>();
    int lastCaid = overall.stream().filter(r -> "caid".equals(r.getAs("method")))
        .mapToInt(r -> r.<Integer>getAs("iteration")).max().orElse(-1);
    for (Row r : overall) {
      String method = r.getAs("method");
      boolean use = "oneshot".equals(method) || "safe-rlhf".equals(method)
          || ("caid".equals(method) && r.<Integer>getAs("iteration") == lastCaid);
      Double b = r.getAs("threshold_" + c.name());
      Double d = r.getAs("delta_" + c.column());
      if (use && b != null && d != null) {
        byMethod.computeIfAbsent("caid".equals(method) ? "CAID (iteration " + lastCaid + ")"
            : seriesOf(method), k -> new ArrayList<>()).add(new Charts.Point(b, d,
                orNaN(r.getAs("delta_" + c.column() + "_lower95")),
                orNaN(r.getAs("delta_" + c.column() + "_upper95"))));
      }
    }
    if (byMethod.isEmpty()) {
      omit("threshold", "the evaluation holds no one-shot, CAID or Safe RLHF policy");
      return;
    }
    countPoints("threshold", byMethod);
    chart(dir, "threshold", Charts.deltaVsThreshold(c.name(), byMethod),
        "Δ " + c.name() + " vs π_ref with 95% bootstrap intervals; the dashed line is y = b "
            + "(points on or above it meet the constraint). This run evaluates one threshold; "
            + "a sweep over b (dual.sweep) adds points.");
  }

  private void frontierSection(Path dir, List<Row> overall) {
    html.h2("Helpfulness–safety frontier (Fig. 1b)");
    if (overall.isEmpty()) {
      omit("frontier", "no evaluate/summary in this run; run 'dualign evaluate'");
      return;
    }
    Constraint c = constraints.get(0);
    List<Charts.Point2> points = new ArrayList<>();
    for (Row r : overall) {
      Double dx = r.getAs("delta_" + c.column());
      Double dy = r.getAs("delta_reward");
      if (dx != null && dy != null) {
        points.add(new Charts.Point2(r.getAs("policy"), dx,
            orNaN(r.getAs("delta_" + c.column() + "_lower95")),
            orNaN(r.getAs("delta_" + c.column() + "_upper95")), dy,
            orNaN(r.getAs("delta_reward_lower95")), orNaN(r.getAs("delta_reward_upper95"))));
      }
    }
    if (points.isEmpty()) {
      omit("frontier", "the summary has no Δ values");
      return;
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    points.forEach(p -> counts.merge(p.label(), 1, Integer::sum));
    chartPoints.put("frontier", counts);
    chart(dir, "frontier", Charts.frontier(c.name(), points),
        "Δ reward against Δ " + c.name() + " per policy, both vs π_ref (at the origin), with 95% "
            + "bootstrap intervals; up and right is better.");
  }

  // ---------------------------------------------------------------- threshold sweep

  /** The rows of the committed {@code sweep/summary}, or null when the run has no sweep. */
  private List<Row> sweepRows() {
    if (run.state(SweepLayout.SUMMARY) != OutputState.COMMITTED) {
      return null;
    }
    return spark.read().schema(SweepTable.schema(constraints.get(0)))
        .parquet(run.path(SweepLayout.SUMMARY).toString()).collectAsList();
  }

  /** The series name of a sweep row's method. */
  private static String seriesOf(Row r) {
    return seriesOf(r.<String>getAs("method"));
  }

  /** The series name of a method whose policy depends on b (its final iteration). */
  private static String seriesOf(String method) {
    return switch (method) {
      case "caid" -> "CAID (final iteration)";
      case "safe-rlhf" -> "Safe RLHF (final iteration)";
      default -> "one-shot";
    };
  }

  /** Fig. 1a over every b of the sweep. */
  private void sweepThresholdSection(Path dir, List<Row> sweep) {
    html.h2("Achieved Δ against the threshold (Fig. 1a)");
    Constraint c = constraints.get(0);
    Map<String, List<Charts.Point>> byMethod = new LinkedHashMap<>();
    for (Row r : sortByB(sweep)) {
      Double b = r.getAs("b");
      Double d = r.getAs("delta_" + c.column());
      if (b != null && d != null) {
        byMethod.computeIfAbsent(seriesOf(r), k -> new ArrayList<>()).add(new Charts.Point(b, d,
            orNaN(r.getAs("delta_" + c.column() + "_lower95")),
            orNaN(r.getAs("delta_" + c.column() + "_upper95"))));
      }
    }
    if (byMethod.isEmpty()) {
      omit("threshold", "sweep/summary holds no one-shot, CAID or Safe RLHF row with a Δ");
      return;
    }
    countPoints("threshold", byMethod);
    chart(dir, "threshold", Charts.deltaVsThreshold(c.name(), byMethod),
        "Δ " + c.name() + " vs π_ref with 95% bootstrap intervals at every b of the threshold "
            + "sweep (sweep/summary); the dashed line is y = b (points on or above it meet the "
            + "constraint).");
  }

  /** Fig. 1b over every b of the sweep: one line per method through its b's. */
  private void sweepFrontierSection(Path dir, List<Row> sweep) {
    html.h2("Helpfulness–safety frontier (Fig. 1b)");
    Constraint c = constraints.get(0);
    Map<String, List<Charts.Point2>> byMethod = new LinkedHashMap<>();
    Charts.Point2 reference = null;
    for (Row r : sortByB(sweep)) {
      Double dx = r.getAs("delta_" + c.column());
      Double dy = r.getAs("delta_reward");
      if (dx == null || dy == null) {
        continue;
      }
      Double b = r.getAs("b");
      Charts.Point2 p = new Charts.Point2(b == null ? "π_ref" : "b = " + num(b), dx,
          orNaN(r.getAs("delta_" + c.column() + "_lower95")),
          orNaN(r.getAs("delta_" + c.column() + "_upper95")), dy,
          orNaN(r.getAs("delta_reward_lower95")), orNaN(r.getAs("delta_reward_upper95")));
      if (b == null) {
        reference = p;
      } else {
        byMethod.computeIfAbsent(seriesOf(r), k -> new ArrayList<>()).add(p);
      }
    }
    if (byMethod.isEmpty()) {
      omit("frontier", "sweep/summary holds no one-shot, CAID or Safe RLHF row with both Δ");
      return;
    }
    Map<String, Integer> counts = new LinkedHashMap<>();
    byMethod.forEach((k, v) -> counts.put(k, v.size()));
    if (reference != null) {
      counts.put("π_ref", 1);
    }
    chartPoints.put("frontier", counts);
    chart(dir, "frontier", Charts.frontierSweep(c.name(), byMethod, reference),
        "Δ reward against Δ " + c.name() + " vs π_ref (at the origin) for each swept method at "
            + "every b of the threshold sweep, with 95% bootstrap intervals; up and right is "
            + "better.");
  }

  private void sweepTableSection(List<Row> sweep) {
    html.h2("Threshold sweep (sweep/summary)");
    Constraint c = constraints.get(0);
    List<List<String>> rows = new ArrayList<>();
    for (Row r : sortByB(sweep)) {
      Boolean met = r.getAs("constraint_met");
      rows.add(List.of(num(r.getAs("b")), r.getAs("policy"), num(r.getAs("lambda_star")),
          num(r.getAs("lambda")), delta(r, "reward"), delta(r, c.column()),
          met == null ? "" : met ? "yes" : "no", pct(r.getAs("safety_rate")),
          pct(r.getAs("judge_safety_rate"))));
    }
    html.table(List.of("b", "policy", "λ*", "λ (trained at)", "Δ reward [95% CI]",
        "Δ " + c.name() + " [95% CI]", "met", "safety rate", "judge safety rate"), rows);
  }

  /** π_ref (b null) first, then by b, methods in report order (one-shot, CAID, Safe RLHF). */
  private static List<Row> sortByB(List<Row> rows) {
    List<Row> s = new ArrayList<>(rows);
    s.sort(Comparator.comparing((Row r) -> r.<Double>getAs("b"),
        Comparator.nullsFirst(Comparator.<Double>naturalOrder()))
        .thenComparingInt(r -> PolicyId.METHODS.indexOf(r.<String>getAs("method"))));
    return s;
  }

  private void countPoints(String chart, Map<String, List<Charts.Point>> series) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    series.forEach((k, v) -> counts.put(k, v.size()));
    chartPoints.put(chart, counts);
  }

  private void distributionSection(Path dir, Dataset<Row> samples) {
    html.h2("Score distributions per policy (Fig. 1c)");
    if (samples == null) {
      omit("distributions", "no evaluate/samples in this run; run 'dualign evaluate'");
      return;
    }
    Constraint c = constraints.get(0);
    List<Row> rows = samples.filter(col("error").isNull())
        .select(col("policy"), col("method"), col("iteration"), col("reward"), col(c.column()))
        .collectAsList();
    TreeMap<PolicyId, List<Double>> reward = new TreeMap<>(PolicyId.ORDER);
    TreeMap<PolicyId, List<Double>> utility = new TreeMap<>(PolicyId.ORDER);
    for (Row r : rows) {
      PolicyId p = new PolicyId(r.getString(1), r.isNullAt(2) ? 0 : r.getInt(2));
      if (!r.isNullAt(3) && Double.isFinite(r.getDouble(3))) {
        reward.computeIfAbsent(p, k -> new ArrayList<>()).add(r.getDouble(3));
      }
      if (!r.isNullAt(4) && Double.isFinite(r.getDouble(4))) {
        utility.computeIfAbsent(p, k -> new ArrayList<>()).add(r.getDouble(4));
      }
    }
    if (reward.isEmpty()) {
      omit("distributions", "evaluate/samples has no scored row without an error");
      return;
    }
    chart(dir, "reward-distribution", Charts.distributions("reward", byName(reward)),
        "Reward per policy: box = quartiles, line = median, whiskers = 1.5 IQR, circles = outliers.");
    if (!utility.isEmpty()) {
      chart(dir, c.name() + "-distribution", Charts.distributions(c.column(), byName(utility)),
          c.column() + " per policy (higher is safer; ≥ 0 means cost ≤ 0).");
    }
  }

  private static Map<String, List<Double>> byName(TreeMap<PolicyId, List<Double>> m) {
    Map<String, List<Double>> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k.name(), v));
    return out;
  }

  // ---------------------------------------------------------------- tables

  private void summarySection(Dataset<Row> summary, List<Row> overall) {
    html.h2("Summary (evaluation vs π_ref, 95% bootstrap intervals)");
    if (overall.isEmpty()) {
      omit("summary", "no evaluate/summary in this run; run 'dualign evaluate'");
      return;
    }
    List<String> head = new ArrayList<>(List.of("policy", "prompts", "samples", "reward",
        "Δ reward [95% CI]", "win rate (reward)"));
    for (Constraint c : constraints) {
      head.addAll(List.of(c.column(), "Δ " + c.name() + " [95% CI]", "b", "met",
          "win rate (" + c.name() + ")"));
    }
    head.addAll(List.of("safety rate", "judge safety rate", "judge refusal rate",
        "Δ gold reward [95% CI]", "Δ gold cost [95% CI]", "gold safety rate"));
    List<List<String>> rows = new ArrayList<>();
    for (Row r : overall) {
      List<String> v = new ArrayList<>(List.of(r.getAs("policy"), str(r.getAs("prompts")),
          str(r.getAs("samples")), num(r.getAs("reward_mean")), delta(r, "reward"),
          pct(r.getAs("win_rate_reward"))));
      for (Constraint c : constraints) {
        Boolean met = r.getAs("constraint_met_" + c.name());
        v.addAll(List.of(num(r.getAs(c.column() + "_mean")), delta(r, c.column()),
            num(r.getAs("threshold_" + c.name())), met == null ? "" : met ? "yes" : "no",
            pct(r.getAs("win_rate_" + c.name()))));
      }
      v.addAll(List.of(pct(r.getAs("safety_rate")), pct(r.getAs("judge_safety_rate")),
          pct(r.getAs("judge_refusal_rate")), delta(r, "gold_reward"), delta(r, "gold_cost"),
          pct(r.getAs("gold_safety_rate"))));
      rows.add(v);
    }
    html.table(head, rows);
    html.para("Safety rate: share of samples with " + constraints.get(0).column()
        + " ≥ 0 (cost ≤ 0). A relative constraint is met when the mean Δ is at least b. Gold "
        + "columns are the synthetic generator's ground truth (empty for real data).");
    html.para(judgeNote());

    Constraint c = constraints.get(0);
    List<Row> cats = sortByPolicy(summary.filter(col("category")
        .notEqual(EvaluationTables.ALL)).collectAsList());
    if (!cats.isEmpty()) {
      html.h2("Per harm category");
      List<List<String>> cr = new ArrayList<>();
      for (Row r : cats) {
        cr.add(List.of(r.getAs("policy"), r.getAs("category"), str(r.getAs("prompts")),
            delta(r, "reward"), delta(r, c.column()), pct(r.getAs("safety_rate")),
            pct(r.getAs("judge_safety_rate"))));
      }
      html.table(List.of("policy", "category", "prompts", "Δ reward [95% CI]",
          "Δ " + c.name() + " [95% CI]", "safety rate", "judge safety rate"), cr);
    }
  }

  /** The note naming the rule-based judge beside the learned safety rate, with its accuracy. */
  private static String judgeNote() {
    return String.format(Locale.ROOT, "Judge safety rate and refusal rate: shares of samples "
        + "the rule-based RefusalJudge (phrase rules no run trains) calls safe and refusals; its "
        + "held-out accuracy on labelled PKU-SafeRLHF responses is %.3f (precision %.3f, recall "
        + "%.3f for unsafe).", RefusalJudge.HELD_OUT_ACCURACY,
        RefusalJudge.HELD_OUT_PRECISION_UNSAFE, RefusalJudge.HELD_OUT_RECALL_UNSAFE);
  }

  private void samplesSection(Dataset<Row> samples) {
    html.h2("Sample prompts");
    if (samples == null) {
      omit("samples", "no evaluate/samples in this run; run 'dualign evaluate'");
      return;
    }
    List<Row> ids = samples.filter(col("policy").equalTo(EvaluationTables.REFERENCE)
            .and(col("error").isNull()))
        .select(col("prompt_id")).distinct().orderBy(col("prompt_id")).limit(samplePrompts)
        .collectAsList();
    if (ids.isEmpty()) {
      omit("samples", "evaluate/samples has no reference sample without an error");
      return;
    }
    List<String> idList = ids.stream().map(r -> r.getString(0)).toList();
    List<Row> rows = samples.filter(col("prompt_id").isin(idList.toArray())
        .and(col("sample_idx").equalTo(0))).collectAsList();
    Constraint c = constraints.get(0);
    for (String id : idList) {
      List<Row> mine = sortByPolicy(rows.stream()
          .filter(r -> id.equals(r.getAs("prompt_id"))).toList());
      Row first = mine.get(0);
      String cat = first.getAs("category");
      html.raw("<div class=\"prompt\"><h3>Prompt " + Html.esc(id)
          + (cat == null ? "" : " <span class=\"cat\">" + Html.esc(cat) + "</span>") + "</h3><pre>"
          + Html.esc(first.getAs("prompt")) + "</pre>");
      List<List<String>> t = new ArrayList<>();
      for (Row r : mine) {
        String err = r.getAs("error");
        t.add(List.of(r.getAs("policy"), err == null ? r.getAs("response") : "error: " + err,
            num(r.getAs("reward")), num(r.getAs(c.column())), num(r.getAs("gold_reward")),
            num(r.getAs("gold_cost"))));
      }
      html.table(List.of("policy", "response (sample 0)", "reward", c.column(), "gold reward",
          "gold cost"), t);
      html.raw("</div>");
    }
  }

  // ---------------------------------------------------------------- helpers

  private Dataset<Row> table(String name, org.apache.spark.sql.types.StructType schema)
      throws IOException {
    if (run.state("evaluate") != OutputState.COMMITTED) {
      return null;
    }
    Path p = new Path(run.path("evaluate"), name);
    if (!run.fs().exists(p)) {
      return null;
    }
    return spark.read().schema(schema).parquet(p.toString());
  }

  private static List<Row> sortByPolicy(List<Row> rows) {
    List<Row> s = new ArrayList<>(rows);
    s.sort(Comparator.comparing((Row r) -> new PolicyId(r.getAs("method"),
        r.getAs("iteration") == null ? 0 : r.<Integer>getAs("iteration")), PolicyId.ORDER)
        .thenComparing(r -> String.valueOf(r.<Object>getAs("category"))));
    return s;
  }

  private void chart(Path dir, String name, byte[] png, String caption) {
    String file = "charts/" + name + ".png";
    try (OutputStream o = run.fs().create(new Path(dir, file), true)) {
      o.write(png);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    charts.add(file);
    html.figure(file, caption);
  }

  private void omit(String what, String why) {
    omitted.add(what + ": " + why);
    html.raw("<p class=\"omitted\">Not shown: " + Html.esc(why) + ".</p>");
  }

  private static String delta(Row r, String score) {
    Double d = r.getAs("delta_" + score);
    if (d == null) {
      return "";
    }
    return num(d) + " " + interval(orNaN(r.getAs("delta_" + score + "_lower95")),
        orNaN(r.getAs("delta_" + score + "_upper95")));
  }

  static String interval(double lo, double hi) {
    return Double.isFinite(lo) && Double.isFinite(hi) ? "[" + num(lo) + ", " + num(hi) + "]" : "";
  }

  static String num(Object v) {
    Double d = number(v);
    return d == null || !Double.isFinite(d) ? "" : String.format(Locale.ROOT, "%.3f", d);
  }

  private static String pct(Object v) {
    Double d = number(v);
    return d == null || !Double.isFinite(d) ? "" : String.format(Locale.ROOT, "%.1f%%", 100 * d);
  }

  private static String str(Object v) {
    return v == null ? "" : v.toString();
  }

  static Double number(Object v) {
    return v instanceof Number n ? n.doubleValue() : null;
  }

  private static double orNaN(Object v) {
    Double d = number(v);
    return d == null ? Double.NaN : d;
  }

  private static String formatMap(Object v) {
    if (v instanceof Map<?, ?> m) {
      List<String> s = new ArrayList<>();
      m.forEach((k, x) -> s.add(k + " = " + (number(x) == null ? x : num(x))));
      return String.join(", ", s);
    }
    return v == null ? "—" : String.valueOf(v);
  }
}
