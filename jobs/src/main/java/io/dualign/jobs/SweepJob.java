package io.dualign.jobs;

import static org.apache.spark.sql.functions.col;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.align.AlignMethods;
import io.dualign.algo.align.AlignRun;
import io.dualign.algo.align.PolicyRollouts;
import io.dualign.algo.caid.CaidMethod;
import io.dualign.algo.saferlhf.SafeRlhfMethod;
import io.dualign.config.ConfigError;
import io.dualign.config.DualignConfig;
import io.dualign.dual.Constraint;
import io.dualign.eval.EvaluationTables;
import io.dualign.eval.SweepTable;
import io.dualign.run.OutputState;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.run.SweepLayout;
import io.dualign.run.marker.AlignMethodMarker;
import io.dualign.run.marker.EvaluateMarker;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.PolicyFigures;
import io.dualign.run.marker.SolveDualMarker;
import io.dualign.run.marker.SweepMarker;
import io.dualign.run.marker.SweepSummaryMarker;
import io.dualign.run.marker.SweepThresholdMarker;
import io.dualign.vocabulary.Stage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SweepJob} is the {@code sweep} stage, the threshold sweep: for each b of
 * {@code dual.sweep} (thresholds of the first constraint) it runs the run's own
 * {@code solve-dual}, {@code align} (the relabelling methods of {@code align.methods}: caid,
 * oneshot, safe-rlhf) and {@code evaluate} jobs with that b, in a view of the run directory
 * that places their outputs under {@code sweep/b=<b>/} ({@link SweepLayout}); sample-ref,
 * score, the models and the reference log-probabilities are the run's, shared by every b. Each b commits its
 * stages one by one and then its folder's marker, so a rerun skips committed b's (and committed
 * stages and CAID iterations within a b). Last it writes the frontier table
 * {@code sweep/summary} ({@link SweepTable}).
 */
final class SweepJob implements CompositeStageJob {
  private static final Logger LOG = LoggerFactory.getLogger(SweepJob.class);

  private final PolicyRollouts rollouts;

  SweepJob() {
    this(null);
  }

  /** @param rollouts the rollouts of align and evaluate, or null for the configured ones */
  SweepJob(PolicyRollouts rollouts) {
    this.rollouts = rollouts;
  }

  @Override
  public Map<String, Object> runParts(StageContext ctx) throws Exception {
    DualignConfig cfg = ctx.config();
    List<Double> sweep = cfg.dual().sweep();
    Constraint c = cfg.dual().constraints().get(0);
    if (sweep.isEmpty()) {
      throw new ConfigError("sweep: dual.sweep is empty, so there is no threshold to sweep; set "
          + "the thresholds b of constraint " + c.name() + ", e.g. --set 'dual.sweep=[0.0,0.5]'");
    }
    List<String> methods = sweptMethods(cfg);
    RunDirectory dir = ctx.runDir();
    List<SweepTable.Threshold> thresholds = new ArrayList<>();
    Map<String, SweepThresholdMarker> perB = new LinkedHashMap<>();
    for (double b : sweep) {
      String folder = SweepLayout.folder(b);
      SweepThresholdMarker marker;
      if (dir.state(folder) == OutputState.COMMITTED) {
        LOG.info("sweep: {} already committed; skipping", folder);
        marker = dir.marker(folder, SweepThresholdMarker.class).orElseThrow();
      } else {
        marker = runThreshold(ctx, b, methods);
      }
      perB.put(folder, marker);
      Map<String, Double> finalLambda = new LinkedHashMap<>();
      finalLambda.put(CaidMethod.NAME, marker.caidFinalLambda());
      finalLambda.put(SafeRlhfMethod.NAME, marker.safeRlhfFinalLambda());
      thresholds.add(new SweepTable.Threshold(b, marker.lambdaStar(), finalLambda,
          summaryRows(ctx, b)));
    }
    long rows = writeTable(ctx, c, thresholds);
    return Markers.toMap(new SweepMarker(ctx.runId(), c.name(), sweep, methods,
        SweepLayout.SUMMARY, rows, perB, null, null, null, null, null));
  }

  /**
   * Stale when {@code dual.sweep} lists other thresholds than the committed sweep (b's added,
   * removed or reordered on a resumed run). An empty {@code dual.sweep} leaves a committed sweep
   * as it is.
   */
  @Override
  public Optional<String> staleness(StageContext ctx, Map<String, Object> marker) {
    List<Double> now = ctx.config().dual().sweep();
    List<Double> was = Markers.fromMap(marker, SweepMarker.class, Stage.SWEEP.cliName())
        .thresholds();
    return now.isEmpty() || now.equals(was) ? Optional.empty()
        : Optional.of("it swept b = " + was + ", dual.sweep is now " + now);
  }

  /**
   * Drops the stage's marker and the frontier table, keeping every committed b (a b still in
   * {@code dual.sweep} is then skipped; one no longer in it stays on disk, outside the table).
   */
  @Override
  public void reopen(StageContext ctx, String stage) {
    ctx.runDir().uncommit(stage);
    ctx.runDir().discard(SweepLayout.SUMMARY);
  }

  /** The relabelling methods of align.methods (those whose policy depends on b). */
  static List<String> sweptMethods(DualignConfig cfg) {
    List<String> out = new ArrayList<>();
    for (AlignMethod m : AlignMethods.of(cfg.align().methods())) {
      if (m.labels().relabels()) {
        out.add(m.cliName());
      }
    }
    if (out.isEmpty()) {
      throw new ConfigError("sweep: align.methods = " + cfg.align().methods() + " has no method "
          + "that depends on the threshold; add caid, oneshot or safe-rlhf");
    }
    return out;
  }

  /** The configuration of one b: the first constraint's threshold and the swept methods. */
  static DualignConfig configFor(DualignConfig cfg, double b, List<String> methods) {
    List<Double> thresholds = new ArrayList<>();
    for (Constraint k : cfg.dual().constraints()) {
      thresholds.add(k.threshold());
    }
    thresholds.set(0, b);
    return cfg.with(Map.of("dual.thresholds", thresholds, "align.methods", methods));
  }

  /** The context of one b: its configuration and the run directory placing its outputs. */
  static StageContext contextFor(StageContext ctx, double b, List<String> methods) {
    return ctx.derive(configFor(ctx.config(), b, methods),
        ctx.runDir().placing(SweepLayout.placement(b)));
  }

  private SweepThresholdMarker runThreshold(StageContext ctx, double b, List<String> methods)
      throws Exception {
    String folder = SweepLayout.folder(b);
    LOG.info("sweep: {} (solve-dual, align {}, evaluate)", folder, methods);
    long t0 = System.nanoTime();
    StageContext bctx = contextFor(ctx, b, methods);
    SolveDualMarker solve = Markers.fromMap(StageRunner.run(bctx, Stage.SOLVE_DUAL,
        StageJobs.job(Stage.SOLVE_DUAL)).marker(), SolveDualMarker.class, folder + "/solve-dual");
    StageRunner.run(bctx, Stage.ALIGN, new AlignJob(rollouts));
    EvaluateMarker eval = Markers.fromMap(StageRunner.run(bctx, Stage.EVALUATE,
        new EvaluateJob(rollouts)).marker(), EvaluateMarker.class, folder + "/evaluate");
    RunDirectory view = bctx.runDir();
    String name = ctx.config().dual().constraints().get(0).name();
    SweepThresholdMarker m = new SweepThresholdMarker(ctx.runId(), b, name,
        solve.lambda().get(name), finalLambda(view, CaidMethod.NAME, name),
        finalLambda(view, SafeRlhfMethod.NAME, name), methods, eval.policies(), null, null,
        (System.nanoTime() - t0) / 1e9, null, null);
    SweepThresholdMarker marker = Markers.fromMap(
        ctx.runDir().commitComposite(folder, Markers.toMap(m)), SweepThresholdMarker.class, folder);
    LOG.info("sweep: {} committed (λ* = {}, CAID final λ = {})", folder, m.lambdaStar(),
        m.caidFinalLambda());
    return marker;
  }

  /** The final λ of constraint {@code name} of a method committed in {@code view}, or null. */
  private static Double finalLambda(RunDirectory view, String method, String name) {
    return view.marker(AlignRun.methodOutput(AlignMethods.of(method)), AlignMethodMarker.class)
        .map(x -> x.finalLambda().get(name)).orElse(null);
  }

  /** The category-all rows of one b's evaluate/summary. */
  private static List<Row> summaryRows(StageContext ctx, double b) {
    String path = new Path(ctx.runDir().path(SweepLayout.folder(b) + "/"
        + Stage.EVALUATE.cliName()), EvaluationTables.SUMMARY).toString();
    return ctx.spark().read()
        .schema(EvaluationTables.summarySchema(ctx.config().dual().constraints()))
        .parquet(path).filter(col("category").equalTo(EvaluationTables.ALL)).collectAsList();
  }

  /**
   * Writes and commits sweep/summary (unless committed for these b's: a table committed for other
   * b's, left by a run stopped before the stage's marker, is replaced); returns its row count.
   */
  private static long writeTable(StageContext ctx, Constraint c,
      List<SweepTable.Threshold> thresholds) {
    RunDirectory dir = ctx.runDir();
    List<Row> rows = SweepTable.rows(ctx.runId(), c, thresholds);
    List<Double> bs = thresholds.stream().map(SweepTable.Threshold::b).toList();
    if (dir.state(SweepLayout.SUMMARY) == OutputState.COMMITTED) {
      if (bs.equals(dir.marker(SweepLayout.SUMMARY, SweepSummaryMarker.class).orElseThrow()
          .thresholds())) {
        return rows.size();
      }
      dir.discard(SweepLayout.SUMMARY);
    }
    PendingOutput out = dir.begin(SweepLayout.SUMMARY);
    ctx.spark().createDataFrame(rows, SweepTable.schema(c)).coalesce(1).write()
        .mode(SaveMode.Overwrite).parquet(out.path().toString());
    out.commit(Markers.toMap(new SweepSummaryMarker(ctx.runId(), (long) rows.size(), bs, null,
        null, null, null, null, null)));
    return rows.size();
  }

  /**
   * One line per b for the end of {@code pipeline}/{@code demo}: λ*, CAID's final λ, and Δ of the
   * swept constraint for one-shot and CAID with whether each meets b.
   */
  static List<String> lines(SweepMarker sweep) {
    List<String> out = new ArrayList<>();
    String name = sweep.constraint();
    for (SweepThresholdMarker m : sweep.byThreshold().values()) {
      Map<String, PolicyFigures> pol = m.policies() == null ? Map.of() : m.policies();
      String caid = null; // the last CAID iteration
      for (String k : pol.keySet()) {
        if (k.matches("caid-\\d+") && (caid == null
            || Integer.parseInt(k.substring(5)) > Integer.parseInt(caid.substring(5)))) {
          caid = k;
        }
      }
      String line = String.format(Locale.ROOT, "sweep b = %s: λ* %s, CAID final λ %s; Δ %s "
          + "one-shot %s, CAID %s", fmt(m.b()), fmt(m.lambdaStar()),
          fmt(m.caidFinalLambda()), name, delta(pol.get("oneshot"), name),
          delta(caid == null ? null : pol.get(caid), name));
      if (pol.containsKey(SafeRlhfMethod.NAME)) {
        line += String.format(Locale.ROOT, ", Safe RLHF %s (final λ %s)",
            delta(pol.get(SafeRlhfMethod.NAME), name), fmt(m.safeRlhfFinalLambda()));
      }
      out.add(line);
    }
    return out;
  }

  private static String delta(PolicyFigures policy, String name) {
    Double d = policy == null ? null : policy.deltaUtility(name);
    return d == null ? "n/a" : String.format(Locale.ROOT, "%+.3f (%s)", d,
        Boolean.TRUE.equals(policy.constraintMet(name)) ? "met" : "not met");
  }

  private static String fmt(Double d) {
    return d == null ? "n/a" : String.format(Locale.ROOT, "%.3f", d);
  }
}
