package io.dualign.jobs;

import io.dualign.vocabulary.Stage;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code StageJobs} is the registry of stage jobs: {@code pipeline} and each stage's command find
 * the job of a {@link Stage} here.
 */
public final class StageJobs {
  private static final Map<Stage, StageJob> JOBS = new EnumMap<>(Stage.class);

  static {
    JOBS.put(Stage.PREPARE, new PrepareJob(new java.io.PrintWriter(System.out, true)));
    JOBS.put(Stage.SFT, new TrainModelJob(Stage.SFT));
    JOBS.put(Stage.TRAIN_REWARD, new TrainModelJob(Stage.TRAIN_REWARD));
    JOBS.put(Stage.TRAIN_COST, new TrainModelJob(Stage.TRAIN_COST));
    JOBS.put(Stage.SAMPLE_REF, new SampleReferenceJob());
    JOBS.put(Stage.SCORE, new ScorePairsJob());
    JOBS.put(Stage.SOLVE_DUAL, new SolveDualJob());
    JOBS.put(Stage.ALIGN, new AlignJob());
    JOBS.put(Stage.EVALUATE, new EvaluateJob());
    JOBS.put(Stage.SWEEP, new SweepJob());
    JOBS.put(Stage.REPORT, new ReportJob());
    for (Stage stage : Stage.values()) {
      if (!JOBS.containsKey(stage)) {
        throw new IllegalStateException("stage " + stage.cliName() + " has no job");
      }
    }
  }

  private StageJobs() {}

  /** The job that runs {@code stage}. */
  public static StageJob job(Stage stage) {
    return JOBS.get(stage);
  }
}
