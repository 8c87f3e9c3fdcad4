package io.dualign.jobs;

import io.dualign.run.Stage;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code StageJobs} is the registry of built stages; {@code pipeline} and each stage's command
 * find the job here. A stage with no job answers "not built yet" (exit 2) and names the issue
 * that builds it.
 */
public final class StageJobs {
  private static final Map<Stage, StageJob> BUILT = new EnumMap<>(Stage.class);
  private static final Map<Stage, String> BUILT_BY = new EnumMap<>(Stage.class);

  static {
    BUILT.put(Stage.PREPARE, new PrepareJob(new java.io.PrintWriter(System.out, true)));
    BUILT_BY.put(Stage.PREPARE, "issue #3 (B: data)");
    BUILT_BY.put(Stage.SFT, "issue #4 (C: models)");
    BUILT_BY.put(Stage.TRAIN_REWARD, "issue #4 (C: models)");
    BUILT_BY.put(Stage.TRAIN_COST, "issue #4 (C: models)");
    BUILT_BY.put(Stage.SAMPLE_REF, "issue #5 (D: distributed rollout and scoring)");
    BUILT_BY.put(Stage.SCORE, "issue #5 (D: distributed rollout and scoring)");
    BUILT_BY.put(Stage.SOLVE_DUAL, "issue #6 (E: the dual machinery and CAID)");
    BUILT_BY.put(Stage.ALIGN, "issue #6 (E: the dual machinery and CAID)");
    BUILT_BY.put(Stage.EVALUATE, "issue #7 (F: evaluation and report)");
    BUILT_BY.put(Stage.REPORT, "issue #7 (F: evaluation and report)");
    BUILT_BY.put(Stage.SWEEP, "issue #7 (F: evaluation and report)");
    BUILT.put(Stage.SFT, new TrainModelJob(Stage.SFT));
    BUILT.put(Stage.TRAIN_REWARD, new TrainModelJob(Stage.TRAIN_REWARD));
    BUILT.put(Stage.TRAIN_COST, new TrainModelJob(Stage.TRAIN_COST));
    BUILT.put(Stage.SOLVE_DUAL, new SolveDualJob());
    BUILT.put(Stage.ALIGN, new AlignJob());
    BUILT.put(Stage.SAMPLE_REF, new SampleReferenceJob());
    BUILT.put(Stage.SCORE, new ScorePairsJob());
    BUILT.put(Stage.EVALUATE, new EvaluateJob());
    BUILT.put(Stage.SWEEP, new SweepJob());
    BUILT.put(Stage.REPORT, new ReportJob());
  }

  private StageJobs() {}

  public static Optional<StageJob> job(Stage stage) {
    return Optional.ofNullable(BUILT.get(stage));
  }

  /** The message for a stage that is not built yet. */
  public static String notBuilt(Stage stage) {
    return "stage '" + stage.cliName() + "' is not built yet (" + BUILT_BY.get(stage) + ")";
  }
}
