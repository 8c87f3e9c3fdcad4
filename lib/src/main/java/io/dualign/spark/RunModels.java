package io.dualign.spark;

import io.dualign.config.DualignConfig;
import io.dualign.config.RolloutSettings;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.Stage;
import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code RunModels} are the checkpoints a run's training stages committed — π_ref
 * ({@code sft/model}), the reward model ({@code train-reward/model}) and the cost model
 * ({@code train-cost/model}) — as {@link ModelRef}s, and the rollout and scoring specs the
 * configuration makes of them. The stages sample-ref, score, align and evaluate start here.
 */
public final class RunModels {
  /** The checkpoint folder inside a training stage's output. */
  public static final String MODEL = "model";

  private RunModels() {}

  /**
   * The checkpoint of a committed training stage.
   *
   * @throws IllegalStateException naming the stage to run when it is not committed
   */
  public static ModelRef of(RunDirectory dir, Stage stage, Configuration hadoop)
      throws IOException {
    OutputState state = dir.state(stage.cliName());
    if (state != OutputState.COMMITTED) {
      throw new IllegalStateException("the " + stage.cliName() + " model is not committed in "
          + dir.root() + " (it is " + state.name().toLowerCase(Locale.ROOT) + "); run 'dualign "
          + stage.cliName() + "' first");
    }
    return ModelRef.of(new Path(dir.path(stage.cliName()), MODEL).toString(), hadoop);
  }

  /**
   * The scoring spec of {@code config}: the run's reward model, and its cost model when a utility
   * uses it (otherwise train-cost need not be committed).
   */
  public static ScoringSpec scoring(DualignConfig config, RunDirectory dir, Configuration hadoop)
      throws IOException {
    RolloutSettings r = config.rollout();
    ModelRef reward = of(dir, Stage.TRAIN_REWARD, hadoop);
    boolean needsCost = r.scorersFor(config.dual()).stream().anyMatch(u -> u.role() == ScorerRole.COST);
    ModelRef cost = needsCost ? of(dir, Stage.TRAIN_COST, hadoop) : null;
    return scoring(config, reward, cost);
  }

  /** The scoring spec of {@code config} with these models. */
  public static ScoringSpec scoring(DualignConfig config, ModelRef reward, ModelRef cost) {
    RolloutSettings r = config.rollout();
    return new ScoringSpec(reward, cost, r.scorersFor(config.dual()), config.model().chatTemplate(),
        config.model().maxPromptTokens(), config.model().maxResponseTokens(), r.truncatePrompts(),
        r.scoreBatchSize(), r.goldScoresFor(config.data().input()),
        config.runtime().djlThreadsPerTask(), r.failOnceForTesting());
  }

  /**
   * The rollout spec of {@code config}: K = rollout.samples from {@code policy} at
   * {@code iteration}, sampled with the rollout section's parameters and scored by {@code scoring}.
   */
  public static RolloutSpec rollout(DualignConfig config, String runId, int iteration,
      ModelRef policy, ScoringSpec scoring) {
    RolloutSettings r = config.rollout();
    return new RolloutSpec(runId, iteration, policy, r.samples(), r.temperature(), r.topP(),
        r.topK(), r.maxNewTokens(), config.run().seed(), r.batchSize(), r.partitions(), scoring);
  }
}
