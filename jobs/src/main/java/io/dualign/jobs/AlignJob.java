package io.dualign.jobs;

import io.dualign.algo.AlignMethod;
import io.dualign.algo.align.AlignMethods;
import io.dualign.algo.align.AlignRun;
import io.dualign.algo.align.PolicyRollouts;
import io.dualign.config.ConfigError;
import io.dualign.dual.Constraint;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.AlignMarker;
import io.dualign.run.marker.AlignMethodMarker;
import io.dualign.run.marker.Markers;
import io.dualign.run.marker.SolveDualMarker;
import io.dualign.vocabulary.Stage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * {@code AlignJob} is the {@code align} stage: every method of {@code align.methods} through
 * {@link AlignRun} (CAID, one-shot, DPO-helpful, DPO-safe, Safe RLHF), each committed as
 * {@code align/<method>} over its iterations; the stage's own marker comes when all are done.
 * {@code align --method X} runs one method ({@link #runMethod}).
 */
final class AlignJob implements CompositeStageJob {
  private final PolicyRollouts rollouts;

  AlignJob() {
    this(null);
  }

  /** @param rollouts CAID's rollout implementation, or null for the default one */
  AlignJob(PolicyRollouts rollouts) {
    this.rollouts = rollouts;
  }

  @Override
  public Map<String, Object> runParts(StageContext ctx) throws Exception {
    Map<String, AlignMethodMarker> methods = new LinkedHashMap<>();
    for (AlignMethod m : AlignMethods.of(ctx.config().align().methods())) {
      methods.put(m.cliName(), runMethod(ctx, m));
    }
    return stageSummary(ctx, methods);
  }

  /** Runs (or resumes) one method and returns its marker. */
  AlignMethodMarker runMethod(StageContext ctx, AlignMethod method) throws Exception {
    RunDirectory dir = ctx.runDir();
    require(dir, Stage.SCORE, method);
    require(dir, Stage.SFT, method);
    double[] lambdaStar = null;
    String samples = null;
    boolean dualSteps = method.dualUpdate(ctx.config().dual()).isPresent();
    if (method.warmStart().needsLambdaStar()) {
      require(dir, Stage.SOLVE_DUAL, method);
      lambdaStar = lambdaStar(dir.marker(Stage.SOLVE_DUAL.cliName(), SolveDualMarker.class)
          .orElseThrow(),
          ctx.config().dual().constraints());
    }
    if (dualSteps) {
      require(dir, Stage.SAMPLE_REF, method);
      samples = new Path(dir.path(Stage.SAMPLE_REF.cliName()), SolveDualJob.SAMPLES).toString();
    }
    // π_ref as committed: a provided model must still be the version its marker recorded.
    io.dualign.spark.RunModels.of(dir, Stage.SFT,
        ctx.spark().sparkContext().hadoopConfiguration());
    PolicyRollouts r = dualSteps ? rollouts(ctx) : null;
    AlignRun.Inputs in = new AlignRun.Inputs(
        new Path(dir.path(Stage.SCORE.cliName()), "pairs").toString(),
        io.dualign.spark.RunModels.location(dir, Stage.SFT), samples,
        lambdaStar);
    try {
      return new AlignRun(ctx.spark(), dir, ctx.config(), r, ctx.runId()).run(method, in);
    } finally {
      if (r != rollouts && r instanceof AutoCloseable c) {
        c.close();
      }
    }
  }

  private PolicyRollouts rollouts(StageContext ctx) {
    if (rollouts != null) {
      return rollouts;
    }
    return AlignRollouts.fromConfig(ctx);
  }

  /** The stage summary: each method's final λ and DPO figures. */
  static Map<String, Object> stageSummary(StageContext ctx,
      Map<String, AlignMethodMarker> methods) {
    return Markers.toMap(new AlignMarker(ctx.runId(), methods, null, null, null, null, null));
  }

  /** Commits the stage marker when every configured method is committed; returns whether it did. */
  static boolean commitStageIfComplete(StageContext ctx) {
    RunDirectory dir = ctx.runDir();
    if (dir.state(Stage.ALIGN.cliName()) == OutputState.COMMITTED) {
      return true;
    }
    Map<String, AlignMethodMarker> methods = new LinkedHashMap<>();
    for (AlignMethod m : AlignMethods.of(ctx.config().align().methods())) {
      String out = AlignRun.methodOutput(m);
      if (dir.state(out) != OutputState.COMMITTED) {
        return false;
      }
      methods.put(m.cliName(), dir.marker(out, AlignMethodMarker.class).orElseThrow());
    }
    dir.commitComposite(Stage.ALIGN.cliName(), stageSummary(ctx, methods));
    return true;
  }

  private static void require(RunDirectory dir, Stage stage, AlignMethod method) {
    OutputState s = dir.state(stage.cliName());
    if (s != OutputState.COMMITTED) {
      throw new ConfigError("align --method " + method.cliName() + " needs the committed output "
          + "of " + stage.cliName() + " in " + dir.root() + " (it is "
          + s.name().toLowerCase(Locale.ROOT) + "); run 'dualign " + stage.cliName() + "' first");
    }
  }

  /** λ* by constraint from solve-dual's marker, in the order of the configured constraints. */
  static double[] lambdaStar(SolveDualMarker marker, List<Constraint> constraints) {
    Map<String, Double> lambda = marker.lambda();
    double[] out = new double[constraints.size()];
    for (int i = 0; i < out.length; i++) {
      Double n = lambda == null ? null : lambda.get(constraints.get(i).name());
      if (n == null || !Double.isFinite(n)) {
        throw new ConfigError("solve-dual/_SUCCESS.json has no finite λ for constraint "
            + constraints.get(i).name() + " (it records " + lambda + "); rerun solve-dual with "
            + "the same dual.constraints");
      }
      out[i] = n.doubleValue();
    }
    return out;
  }
}
