package io.dualign.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.dualign.model.CausalLm;
import io.dualign.model.SequenceLogProbs;
import io.dualign.model.TokenBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code DpoObjective} is the DPO loss of a policy on preference pairs whose reference
 * log-probabilities are precomputed ({@link #withReference}); the step CAID takes at each dual
 * iteration.
 */
public final class DpoObjective implements Objective<DpoExample> {
  private final CausalLm policy;
  private final long padId;
  private final float beta;

  public DpoObjective(CausalLm policy, long padId, float beta) {
    if (!(beta > 0)) {
      throw new IllegalArgumentException("DPO beta must be > 0, was " + beta);
    }
    this.policy = policy;
    this.padId = padId;
    this.beta = beta;
  }

  /** Pairs (chosen = {@code preferred}) with their sequence log-probabilities under {@code reference}. */
  public static List<DpoExample> withReference(CausalLm reference, long padId,
      List<PreferenceExample> pairs, int batchSize) {
    double[][] lp = SequenceLogProbs.pairValues(reference, padId,
        pairs.stream().map(PreferenceExample::prompt).toList(),
        pairs.stream().map(PreferenceExample::preferred).toList(),
        pairs.stream().map(PreferenceExample::other).toList(), batchSize);
    List<DpoExample> out = new ArrayList<>();
    for (int i = 0; i < pairs.size(); i++) {
      PreferenceExample e = pairs.get(i);
      out.add(new DpoExample(e.prompt(), e.preferred(), e.other(), lp[0][i], lp[1][i]));
    }
    return out;
  }

  /** Policy sequence log-probabilities {@code [2, batch]}: chosen row 0, rejected row 1. */
  private NDArray policyLogProbs(NDManager m, List<DpoExample> batch, boolean training) {
    List<long[]> prompts = new ArrayList<>();
    List<long[]> responses = new ArrayList<>();
    for (DpoExample e : batch) {
      prompts.add(e.prompt());
      responses.add(e.chosen());
    }
    for (DpoExample e : batch) {
      prompts.add(e.prompt());
      responses.add(e.rejected());
    }
    TokenBatch b = TokenBatch.of(prompts, responses, padId, TokenBatch.Padding.RIGHT);
    return SequenceLogProbs.sequence(policy, b, m, training).reshape(2, batch.size());
  }

  @Override
  public NDArray loss(NDManager m, List<DpoExample> batch, boolean training) {
    NDList rows = policyLogProbs(m, batch, training).split(2, 0);
    float[] rc = new float[batch.size()];
    float[] rr = new float[batch.size()];
    for (int i = 0; i < rc.length; i++) {
      rc[i] = (float) batch.get(i).refChosen();
      rr[i] = (float) batch.get(i).refRejected();
    }
    return Losses.dpo(rows.get(0).squeeze(0), rows.get(1).squeeze(0), m.create(rc), m.create(rr),
        beta);
  }

  @Override
  public long tokens(List<DpoExample> batch) {
    long n = 0;
    for (DpoExample e : batch) {
      n += 2L * e.prompt().length + e.chosen().length + e.rejected().length;
    }
    return n;
  }

  /**
   * {@code loss}; {@code accuracy}: share of pairs whose implicit reward margin
   * β·[(log π − log π_ref)(chosen) − (log π − log π_ref)(rejected)] is positive;
   * {@code mean_margin}.
   */
  @Override
  public Map<String, Double> evaluate(List<DpoExample> data, int batchSize) {
    double lossSum = 0;
    double marginSum = 0;
    long right = 0;
    for (int i = 0; i < data.size(); i += batchSize) {
      List<DpoExample> batch = data.subList(i, Math.min(data.size(), i + batchSize));
      try (NDManager m = policy.manager().newSubManager()) {
        lossSum += loss(m, batch, false).getFloat() * batch.size();
        float[] lp = policyLogProbs(m, batch, false).toFloatArray();
        for (int j = 0; j < batch.size(); j++) {
          DpoExample e = batch.get(j);
          double margin = beta * ((lp[j] - e.refChosen()) - (lp[batch.size() + j] - e.refRejected()));
          marginSum += margin;
          right += margin > 0 ? 1 : 0;
        }
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("loss", lossSum / data.size());
    out.put("accuracy", (double) right / data.size());
    out.put("mean_margin", marginSum / data.size());
    return out;
  }
}
