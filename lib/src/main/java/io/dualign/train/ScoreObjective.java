package io.dualign.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.dualign.model.ScoreModel;
import io.dualign.model.TokenBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ScoreObjective} trains a {@link ScoreModel} on preference pairs: as a reward model
 * (Bradley–Terry on the preferred response) or as a cost model (safe-rlhf: the safer response
 * costs less, and cost < 0 exactly for safe responses).
 */
public final class ScoreObjective implements Objective<PreferenceExample> {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreObjective.class);
  /** Seconds between progress lines of a long {@link #evaluate}. */
  static final int PROGRESS_SECONDS = 30;
  /** The two kinds of score model. */
  public enum Kind { REWARD, COST }

  private final ScoreModel model;
  private final Kind kind;
  private final long padId;
  private final float regulariser;

  public ScoreObjective(ScoreModel model, Kind kind, long padId, float regulariser) {
    this.model = model;
    this.kind = kind;
    this.padId = padId;
    this.regulariser = regulariser;
  }

  /** Scores {@code [2, batch]}: row 0 the preferred responses, row 1 the others. */
  private NDArray scores(NDManager m, List<PreferenceExample> batch, boolean training) {
    List<long[]> prompts = new ArrayList<>();
    List<long[]> responses = new ArrayList<>();
    for (PreferenceExample e : batch) {
      prompts.add(e.prompt());
      responses.add(e.preferred());
    }
    for (PreferenceExample e : batch) {
      prompts.add(e.prompt());
      responses.add(e.other());
    }
    TokenBatch b = TokenBatch.of(prompts, responses, padId, TokenBatch.Padding.RIGHT);
    return model.endScores(b.idsArray(m), b.maskArray(m), training).reshape(2, batch.size());
  }

  private static NDArray signs(NDManager m, List<PreferenceExample> batch, boolean preferred) {
    float[] s = new float[batch.size()];
    for (int i = 0; i < s.length; i++) {
      boolean safe = preferred ? batch.get(i).preferredSafe() : batch.get(i).otherSafe();
      s[i] = safe ? -1f : 1f;
    }
    return m.create(s);
  }

  @Override
  public NDArray loss(NDManager m, List<PreferenceExample> batch, boolean training) {
    return loss(m, batch, scores(m, batch, training));
  }

  /** The loss of {@code batch} from its scores {@code [2, batch]}. */
  private NDArray loss(NDManager m, List<PreferenceExample> batch, NDArray s) {
    NDList rows = s.split(2, 0);
    NDArray preferred = rows.get(0).squeeze(0);
    NDArray other = rows.get(1).squeeze(0);
    if (kind == Kind.REWARD) {
      return Losses.reward(preferred, other, regulariser);
    }
    return Losses.cost(preferred, other, signs(m, batch, true), signs(m, batch, false),
        regulariser);
  }

  @Override
  public long tokens(List<PreferenceExample> batch) {
    long n = 0;
    for (PreferenceExample e : batch) {
      n += 2L * e.prompt().length + e.preferred().length + e.other().length;
    }
    return n;
  }

  /**
   * {@code loss}; the {@link PairAccuracy} figures: {@code accuracy}, share of pairs ranked right
   * (reward: r_preferred > r_other; cost: c_other > c_preferred), and for cost
   * {@code sign_accuracy} (cost < 0 ⇔ safe) and the pair accuracy on mixed-label and same-label
   * pairs; mean scores of each side.
   */
  @Override
  public Map<String, Double> evaluate(List<PreferenceExample> data, int batchSize) {
    return evaluate(data, batchSize, null);
  }

  /**
   * {@link #evaluate(List, int)}, logging how many pairs are scored every
   * {@value #PROGRESS_SECONDS} seconds as {@code "<what>: <n>/<total> pairs scored"} when
   * {@code what} is not null (a Hugging Face score model on a CPU takes minutes for a few hundred
   * pairs).
   */
  public Map<String, Double> evaluate(List<PreferenceExample> data, int batchSize, String what) {
    long lastLog = System.nanoTime();
    double lossSum = 0;
    PairAccuracy acc = new PairAccuracy(kind);
    double sumPreferred = 0;
    double sumOther = 0;
    for (int i = 0; i < data.size(); i += batchSize) {
      List<PreferenceExample> batch = data.subList(i, Math.min(data.size(), i + batchSize));
      try (NDManager m = model.manager().newSubManager()) {
        NDArray scores = scores(m, batch, false);
        lossSum += loss(m, batch, scores).getFloat() * batch.size();
        float[] s = scores.toFloatArray();
        int n = batch.size();
        for (int j = 0; j < n; j++) {
          float p = s[j];
          float o = s[n + j];
          sumPreferred += p;
          sumOther += o;
          acc.add(p, o, batch.get(j).preferredSafe(), batch.get(j).otherSafe());
        }
      }
      if (what != null && System.nanoTime() - lastLog > PROGRESS_SECONDS * 1_000_000_000L) {
        LOG.info("{}: {}/{} pairs scored", what, i + batch.size(), data.size());
        lastLog = System.nanoTime();
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    int n = data.size();
    out.put("loss", lossSum / n);
    out.putAll(acc.figures());
    out.put("mean_score_preferred", sumPreferred / n);
    out.put("mean_score_other", sumOther / n);
    out.put("pairs", (double) n);
    return out;
  }
}
