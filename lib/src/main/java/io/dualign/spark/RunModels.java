package io.dualign.spark;

import io.dualign.config.DualignConfig;
import io.dualign.config.RolloutSettings;
import io.dualign.run.OutputState;
import io.dualign.run.RunDirectory;
import io.dualign.run.marker.TrainingMarker;
import io.dualign.vocabulary.ScorerRole;
import io.dualign.vocabulary.Stage;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code RunModels} are the checkpoints a run's training stages committed — π_ref
 * ({@code sft/model}), the reward model ({@code train-reward/model}) and the cost model
 * ({@code train-cost/model}), or the models the config gives in their place ({@code model.policy},
 * {@code model.reward}, {@code model.cost}: the stage then commits as "provided") — as
 * {@link ModelRef}s, and the rollout and scoring specs the
 * configuration makes of them. The stages sample-ref, score, align and evaluate start here.
 */
public final class RunModels {
  /** The checkpoint folder inside a training stage's output. */
  public static final String MODEL = "model";
  /** The marker key of a training stage whose model was given in the config, not trained. */
  public static final String PROVIDED = "provided";

  private RunModels() {}

  /**
   * The model of a committed training stage: the checkpoint it trained ({@code <stage>/model}) or,
   * when the stage committed as provided ({@code model.policy}, {@code model.reward},
   * {@code model.cost}), the model its marker records, checked to still be the recorded version.
   *
   * @throws IllegalStateException naming the stage to run when it is not committed
   */
  public static ModelRef of(RunDirectory dir, Stage stage, Configuration hadoop)
      throws IOException {
    String location = location(dir, stage);
    ModelRef ref = ModelRef.of(location, hadoop);
    TrainingMarker marker = dir.marker(stage.cliName(), TrainingMarker.class).orElseThrow();
    if (marker.isProvided() && !ref.version().equals(marker.modelVersion())) {
      throw new IOException("the model " + location + " that " + stage.cliName()
          + " recorded as provided is now version " + ref.version() + ", but version "
          + marker.modelVersion() + " was recorded: it changed during the run");
    }
    return ref;
  }

  /**
   * Where the model of a committed training stage is: {@code <stage>/model}, or the URI a
   * provided stage recorded.
   *
   * @throws IllegalStateException naming the stage to run when it is not committed
   */
  public static String location(RunDirectory dir, Stage stage) {
    OutputState state = dir.state(stage.cliName());
    if (state != OutputState.COMMITTED) {
      throw new IllegalStateException("the " + stage.cliName() + " model is not committed in "
          + dir.root() + " (it is " + state.name().toLowerCase(Locale.ROOT) + "); run 'dualign "
          + stage.cliName() + "' first");
    }
    TrainingMarker marker = dir.marker(stage.cliName(), TrainingMarker.class).orElseThrow();
    if (marker.isProvided()) {
      return marker.modelUri();
    }
    return new Path(dir.path(stage.cliName()), MODEL).toString();
  }

  /**
   * The marker of a training stage whose model is given rather than trained: the model at
   * {@code uri} is opened (format detected, version from its metadata) and must be of the kind the
   * stage makes (a causal LM for sft, a score model for train-reward and train-cost).
   *
   * @throws IOException naming the URI and the config key when it is not such a model
   */
  public static Map<String, Object> provide(Stage stage, String uri, Configuration hadoop)
      throws IOException {
    String key = io.dualign.config.ModelSettings.keyFor(stage);
    ModelRef ref;
    try {
      ref = ModelRef.of(uri, hadoop);
    } catch (IOException e) {
      throw new IOException(key + " = " + uri + ": " + e.getMessage(), e);
    } catch (io.dualign.model.hf.HfModelException e) {
      throw new io.dualign.config.ConfigError(key + " = " + uri + ": " + e.getMessage(), e);
    }
    boolean wantLm = stage == Stage.SFT;
    Path p = new Path(ref.uri());
    org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(hadoop);
    boolean isLm;
    String kind;
    if (ref.format() == io.dualign.model.ModelFormat.TORCHSCRIPT) {
      io.dualign.model.torchscript.ModelKind k = ModelRef.manifest(fs, p).kind();
      isLm = k == io.dualign.model.torchscript.ModelKind.CAUSAL_LM;
      kind = k.id();
    } else if (ref.format() == io.dualign.model.ModelFormat.HUGGING_FACE) {
      io.dualign.model.hf.HfArchitecture a = io.dualign.model.hf.HfFolder.open(fs, p).config()
          .architecture();
      isLm = a.isCausalLm();
      kind = a.hfName();
    } else {
      @SuppressWarnings("unchecked")
      Map<String, Object> arch = (Map<String, Object>) io.dualign.model.Checkpoint.meta(fs, p)
          .get("architecture");
      kind = String.valueOf(arch == null ? null : arch.get("head"));
      isLm = io.dualign.model.ModelArchitecture.Head.LANGUAGE_MODEL.name().equals(kind);
    }
    if (isLm != wantLm) {
      throw new IOException(key + " = " + uri + " is a " + ref.format().id() + " '" + kind
          + "' model; " + stage.cliName() + " needs " + (wantLm ? "a causal language model"
              : "a score model"));
    }
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put(PROVIDED, true);
    m.put("config_key", key);
    m.put("model_uri", ref.uri());
    m.put("model_format", ref.format().id());
    m.put("model_version", ref.version());
    return m;
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
    ScoringSpec.Builder b = ScoringSpec.builder(reward, cost)
        .utilities(r.scorersFor(config.dual())).chatTemplate(config.model().chatTemplate())
        .maxPromptTokens(config.model().maxPromptTokens())
        .maxResponseTokens(config.model().maxResponseTokens())
        .batchSize(r.scoreBatchSize()).threadsPerTask(config.runtime().djlThreadsPerTask());
    if (r.truncatePrompts()) {
      b.with(ScoringSpec.Option.TRUNCATE_PROMPTS);
    }
    if (r.goldScoresFor(config.data().input())) {
      b.with(ScoringSpec.Option.GOLD_SCORES);
    }
    return b.build();
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
