package io.dualign.model.torchscript;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code ResponseBatch} is prompt ++ response rows, right-padded, with a mask of the response tokens (the targets
 * whose log-probabilities a sequence log-probability sums).
 *
 * @param batch the padded rows
 * @param targets 1 at response positions, {@code [B][T]}
 */
record ResponseBatch(TokenBatch batch, long[][] targets) {
  static ResponseBatch of(List<long[]> prompts, List<long[]> responses, long padId) {
    if (prompts.size() != responses.size()) {
      throw new IllegalArgumentException(prompts.size() + " prompts but " + responses.size() + " responses");
    }
    List<long[]> rows = new ArrayList<>(prompts.size());
    for (int b = 0; b < prompts.size(); b++) {
      long[] p = prompts.get(b);
      long[] r = responses.get(b);
      if (p.length == 0 || r.length == 0) {
        throw new IllegalArgumentException("row " + b + " has an empty " + (p.length == 0 ? "prompt" : "response")
            + "; a response log-probability needs at least one prompt token (e.g. BOS) and one response token");
      }
      long[] row = java.util.Arrays.copyOf(p, p.length + r.length);
      System.arraycopy(r, 0, row, p.length, r.length);
      rows.add(row);
    }
    TokenBatch batch = TokenBatch.rightPadded(rows, padId, 0);
    long[][] targets = new long[rows.size()][batch.length()];
    for (int b = 0; b < rows.size(); b++) {
      java.util.Arrays.fill(targets[b], prompts.get(b).length, rows.get(b).length, 1L);
    }
    return new ResponseBatch(batch, targets);
  }

  long[][] padTargets(int t) {
    long[][] out = new long[targets.length][t];
    for (int b = 0; b < targets.length; b++) {
      System.arraycopy(targets[b], 0, out[b], 0, targets[b].length);
    }
    return out;
  }
}
