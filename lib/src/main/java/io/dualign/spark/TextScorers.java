package io.dualign.spark;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.dualign.config.UtilityScorer;
import io.dualign.data.synthetic.GoldScore;
import io.dualign.data.synthetic.GoldScorer;
import io.dualign.model.LoadedModel;
import io.dualign.model.TokenBatch;
import io.dualign.text.ChatTemplate;
import io.dualign.text.PromptEncoder;
import io.dualign.vocabulary.ScorerRole;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code TextScorers} is the executor-side scoring of (prompt, response) texts with every model a
 * {@link ScoringSpec} names, in batches: the reward, each constraint's utility (sign × its model's
 * score) and, when asked, the gold reward and cost. Texts are encoded as the training stages did
 * (templated prompt, response + end-of-sequence). A row that cannot be scored (empty or over-long
 * prompt, non-finite score, a model error confined to the row) gets an error and no scores; only
 * Java arrays come out. Models are leased from the {@link ExecutorModelCache} for the current task.
 */
public final class TextScorers {
  private final ScoringSpec spec;
  private final Map<ScorerRole, LoadedModel> models = new EnumMap<>(ScorerRole.class);
  private final Map<ScorerRole, PromptEncoder> encoders = new EnumMap<>(ScorerRole.class);

  /** The scores of a batch of rows: NaN and an error where a row failed. */
  public record Scores(double[] reward, double[][] utilities, double[] goldReward,
      double[] goldCost, String[] error) {}

  /** Leases the models of {@code spec} on {@code device} for the current task. */
  public TextScorers(ScoringSpec spec, Device device) throws Exception {
    this.spec = spec;
    for (ScorerRole role : ScorerRole.values()) {
      ModelRef ref = spec.model(role);
      if (ref == null) {
        continue;
      }
      LoadedModel m = ExecutorModels.lease(ref, device).get();
      models.put(role, m);
      encoders.put(role, new PromptEncoder(m.tokenizer(),
          ChatTemplate.resolve(spec.chatTemplate(), m.chatTemplate()), spec.maxPromptTokens(),
          spec.maxResponseTokens()));
    }
  }

  /** The version of the model of {@code role}, or null when it is not used. */
  public String version(ScorerRole role) {
    LoadedModel m = models.get(role);
    return m == null ? null : m.version();
  }

  /**
   * Why a prompt cannot be scored or sampled, or null when it can: empty, or longer than
   * maxPromptTokens when prompts are not cut.
   */
  public static String promptProblem(String prompt, PromptEncoder.Encoded encoded,
      boolean truncatePrompts, int maxPromptTokens) {
    if (prompt == null || prompt.isBlank()) {
      return "empty prompt";
    }
    if (encoded != null && encoded.truncated() && !truncatePrompts) {
      return "prompt too long: " + (encoded.ids().length + encoded.droppedTokens())
          + " tokens templated > model.maxPromptTokens " + maxPromptTokens
          + " (rollout.truncatePrompts=false)";
    }
    return null;
  }

  /** Scores rows {@code i} = (prompts[i], responses[i]); rows given an error beforehand are skipped. */
  public Scores score(List<String> prompts, List<String> responses, String[] preErrors) {
    int n = prompts.size();
    double[] reward = nan(n);
    double[][] utilities = new double[spec.utilities().size()][];
    for (int c = 0; c < utilities.length; c++) {
      utilities[c] = nan(n);
    }
    String[] error = preErrors == null ? new String[n] : preErrors.clone();
    Map<ScorerRole, double[]> byRole = new EnumMap<>(ScorerRole.class);
    for (ScorerRole role : models.keySet()) {
      byRole.put(role, scoreWith(role, prompts, responses, error));
    }
    for (int i = 0; i < n; i++) {
      if (error[i] != null) {
        continue;
      }
      double r = byRole.get(ScorerRole.REWARD)[i];
      if (!Double.isFinite(r)) {
        error[i] = "reward model gave " + r;
        continue;
      }
      double[] u = new double[utilities.length];
      for (int c = 0; c < u.length; c++) {
        UtilityScorer s = spec.utilities().get(c);
        double v = byRole.get(s.role())[i];
        if (!Double.isFinite(v)) {
          error[i] = s.role().key() + " model gave " + v + " (utility_" + s.constraint() + ")";
          break;
        }
        u[c] = s.utility(v);
      }
      if (error[i] != null) {
        continue;
      }
      reward[i] = r;
      for (int c = 0; c < u.length; c++) {
        utilities[c][i] = u[c];
      }
    }
    double[] goldReward = null;
    double[] goldCost = null;
    if (spec.gold()) {
      goldReward = nan(n);
      goldCost = nan(n);
      for (int i = 0; i < n; i++) {
        if (error[i] == null) {
          GoldScore g = GoldScorer.score(prompts.get(i), responses.get(i));
          goldReward[i] = g.reward();
          goldCost[i] = g.cost();
        }
      }
    }
    return new Scores(reward, utilities, goldReward, goldCost, error);
  }

  /**
   * Scores with one model in batches of rows of one length bucket ({@link LengthBuckets}), so a
   * row's score does not depend on the rows it is batched with; a failed batch is retried row by
   * row to isolate the failing row.
   */
  private double[] scoreWith(ScorerRole role, List<String> prompts, List<String> responses,
      String[] error) {
    int n = prompts.size();
    double[] out = nan(n);
    PromptEncoder enc = encoders.get(role);
    int limit = models.get(role).scoreModel().contextLength();
    java.util.TreeMap<Integer, Pending> buckets = new java.util.TreeMap<>();
    for (int i = 0; i < n; i++) {
      if (error[i] != null) {
        continue;
      }
      String problem;
      PromptEncoder.Encoded p = null;
      try {
        if (prompts.get(i) != null && !prompts.get(i).isBlank()) {
          p = enc.prompt(prompts.get(i));
        }
        problem = promptProblem(prompts.get(i), p, spec.truncatePrompts(), spec.maxPromptTokens());
      } catch (RuntimeException e) {
        problem = "cannot encode prompt: " + e;
      }
      if (problem != null) {
        error[i] = problem;
        continue;
      }
      long[] r = enc.response(responses.get(i) == null ? "" : responses.get(i)).ids();
      int len = p.ids().length + r.length;
      if (len > limit) {
        error[i] = "prompt + response are " + len + " tokens > the " + role.key()
            + " model's context " + limit;
        continue;
      }
      int width = LengthBuckets.width(len, limit);
      Pending b = buckets.computeIfAbsent(width, Pending::new);
      b.add(p.ids(), r, i);
      if (b.rows.size() == spec.batchSize()) {
        flush(role, b, out, error);
      }
    }
    for (Pending b : buckets.values()) {
      flush(role, b, out, error);
    }
    return out;
  }

  /** Rows of one bucket waiting to be scored. */
  private static final class Pending {
    final int width;
    final List<long[]> prompts = new ArrayList<>();
    final List<long[]> responses = new ArrayList<>();
    final List<Integer> rows = new ArrayList<>();

    Pending(int width) {
      this.width = width;
    }

    void add(long[] p, long[] r, int row) {
      prompts.add(p);
      responses.add(r);
      rows.add(row);
    }
  }

  private void flush(ScorerRole role, Pending b, double[] out, String[] error) {
    if (b.rows.isEmpty()) {
      return;
    }
    try {
      float[] s = endScores(role, b.prompts, b.responses, b.width);
      for (int j = 0; j < b.rows.size(); j++) {
        out[b.rows.get(j)] = s[j];
      }
    } catch (RuntimeException batchFailure) {
      for (int j = 0; j < b.rows.size(); j++) {
        try {
          out[b.rows.get(j)] = endScores(role, List.of(b.prompts.get(j)),
              List.of(b.responses.get(j)), b.width)[0];
        } catch (RuntimeException e) {
          error[b.rows.get(j)] = role.key() + " model failed: " + e.getMessage();
        }
      }
    }
    b.prompts.clear();
    b.responses.clear();
    b.rows.clear();
  }

  private float[] endScores(ScorerRole role, List<long[]> ps, List<long[]> rs, int width) {
    LoadedModel m = models.get(role);
    TokenBatch batch = TokenBatch.of(ps, rs, m.tokenizer().padId(), TokenBatch.Padding.RIGHT,
        width);
    try (NDManager sm = m.scoreModel().manager().newSubManager()) {
      return m.scoreModel().endScores(batch.idsArray(sm), batch.maskArray(sm), false).toFloatArray();
    }
  }

  private static double[] nan(int n) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, Double.NaN);
    return a;
  }
}
