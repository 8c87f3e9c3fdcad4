package io.dualign.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.dualign.model.CausalLm;
import io.dualign.model.SequenceLogProbs;
import io.dualign.model.TokenBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code SftObjective} is the next-token loss of a policy on the response tokens of examples. */
public final class SftObjective implements Objective<SftExample> {
  private final CausalLm lm;
  private final long padId;

  public SftObjective(CausalLm lm, long padId) {
    this.lm = lm;
    this.padId = padId;
  }

  private TokenBatch batch(List<SftExample> examples) {
    List<long[]> p = new ArrayList<>();
    List<long[]> r = new ArrayList<>();
    for (SftExample e : examples) {
      p.add(e.prompt());
      r.add(e.response());
    }
    return TokenBatch.of(p, r, padId, TokenBatch.Padding.RIGHT);
  }

  @Override
  public NDArray loss(NDManager m, List<SftExample> examples, boolean training) {
    SequenceLogProbs.TokenLogProbs t = SequenceLogProbs.tokenLogProbs(lm, batch(examples), m,
        training);
    return Losses.nextToken(t.logProbs(), t.count());
  }

  /**
   * The response tokens the loss averages over: every one but a row's first token when the row
   * has no prompt (nothing predicts it).
   */
  @Override
  public double weight(List<SftExample> examples) {
    long n = 0;
    for (SftExample e : examples) {
      n += e.prompt().length > 0 ? e.response().length : Math.max(0, e.response().length - 1);
    }
    return n;
  }

  @Override
  public long tokens(List<SftExample> examples) {
    long n = 0;
    for (SftExample e : examples) {
      n += e.prompt().length + e.response().length;
    }
    return n;
  }

  /** {@code loss}: mean negative log-likelihood per response token; {@code perplexity}; {@code tokens}. */
  @Override
  public Map<String, Double> evaluate(List<SftExample> data, int batchSize) {
    double nll = 0;
    long tokens = 0;
    for (int i = 0; i < data.size(); i += batchSize) {
      TokenBatch b = batch(data.subList(i, Math.min(data.size(), i + batchSize)));
      try (NDManager m = lm.manager().newSubManager()) {
        nll -= SequenceLogProbs.tokenLogProbs(lm, b, m, false).logProbs().sum().getFloat();
      }
      tokens += b.targetTokens();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    double loss = tokens == 0 ? Double.NaN : nll / tokens;
    out.put("loss", loss);
    out.put("perplexity", Math.exp(loss));
    out.put("tokens", (double) tokens);
    return out;
  }
}
