package io.dualign.train;

import io.dualign.text.PromptEncoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code PairEncoding} turns pair rows into token examples with one {@link PromptEncoder},
 * counting the prompts and responses it had to cut.
 */
public final class PairEncoding {
  private final PromptEncoder encoder;
  private final Map<String, long[]> promptCache = new HashMap<>();
  private long promptsTruncated;
  private long responsesTruncated;
  private long prompts;
  private long responses;

  public PairEncoding(PromptEncoder encoder) {
    this.encoder = encoder;
  }

  private long[] prompt(String text) {
    long[] cached = promptCache.get(text);
    if (cached != null) {
      return cached;
    }
    PromptEncoder.Encoded e = encoder.prompt(text);
    prompts++;
    if (e.truncated()) {
      promptsTruncated++;
    }
    promptCache.put(text, e.ids());
    return e.ids();
  }

  private long[] response(String text) {
    PromptEncoder.Encoded e = encoder.response(text);
    responses++;
    if (e.truncated()) {
      responsesTruncated++;
    }
    return e.ids();
  }

  /** Both responses of each pair, each as an SFT example. */
  public List<SftExample> sft(List<PairRow> rows) {
    List<SftExample> out = new ArrayList<>();
    for (PairRow r : rows) {
      long[] p = prompt(r.prompt());
      out.add(new SftExample(p, response(r.response0())));
      out.add(new SftExample(p, response(r.response1())));
    }
    return out;
  }

  /**
   * One preference example per pair: the better (reward) or safer (cost) response first. Cost
   * examples need both responses' safety labels (a pair without them is refused, naming it);
   * reward examples carry a missing label as "not safe", which no reward figure reads.
   */
  public List<PreferenceExample> preferences(List<PairRow> rows, ScoreObjective.Kind kind) {
    List<PreferenceExample> out = new ArrayList<>();
    for (PairRow r : rows) {
      if (kind == ScoreObjective.Kind.COST && !r.hasSafetyLabels()) {
        throw new IllegalArgumentException("pair " + r.pairId() + " has no safety label for "
            + "is_response_" + (r.safe0() == null ? 0 : 1) + "_safe: a cost model needs both");
      }
      int first = kind == ScoreObjective.Kind.REWARD ? r.betterId() : r.saferId();
      long[] p = prompt(r.prompt());
      out.add(new PreferenceExample(p, response(r.response(first)), response(r.response(1 - first)),
          Boolean.TRUE.equals(r.safe(first)), Boolean.TRUE.equals(r.safe(1 - first))));
    }
    return out;
  }

  /** Counts for {@code _SUCCESS.json}: distinct prompts and responses encoded, and how many were cut. */
  public Map<String, Object> counts() {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("prompts_encoded", prompts);
    m.put("prompts_truncated", promptsTruncated);
    m.put("responses_encoded", responses);
    m.put("responses_truncated", responsesTruncated);
    return m;
  }
}
