package io.dualign.jobs;

import io.dualign.config.DataSettings;
import io.dualign.data.DataTables;
import io.dualign.data.ParsedInput;
import io.dualign.data.SyntheticRowsFn;
import io.dualign.run.PendingOutput;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code PrepareJob} is the {@code prepare} stage: it parses and validates {@code data.input}
 * (PKU-SafeRLHF, HH-RLHF, prompt sets, or the synthetic generator), writes the
 * {@code quarantine}, {@code pairs} and {@code prompts} tables, and fails with exit 3 when more
 * than {@code data.maxBadFraction} of the rows are bad.
 */
public final class PrepareJob implements StageJob {
  private final PrintWriter console;

  public PrepareJob(PrintWriter console) {
    this.console = console;
  }

  @Override
  public Map<String, Object> run(StageContext ctx, PendingOutput out) {
    DataSettings s = ctx.config().data();
    long seed = ctx.config().run().seed();
    String dir = out.path().toString();
    console.println("prepare: reading " + (s.synthetic()
        ? "the synthetic generator (" + s.syntheticPairs() + " pairs, seed " + seed + ")"
        : s.input()));
    try (ParsedInput p = ParsedInput.parse(ctx.spark(), s, seed, PolicyConversations.of(
        ctx.config().model(), ctx.spark().sparkContext().hadoopConfiguration()))) {
      // pairs first: the same pass counts every row kind and reason (the output is not committed
      // until the end, so a rejected input leaves nothing visible)
      p.writePairs(dir);
      p.writeQuarantine(dir);
      console.println(String.format(Locale.ROOT,
          "prepare: %d rows read, %d pairs, %d prompt rows, %d quarantined (%.4f%%)",
          p.inputRows(), p.pairs(), p.promptRows(), p.quarantined(), 100 * p.badFraction()));
      p.reasons().forEach((reason, n) ->
          console.println(String.format(Locale.ROOT, "  quarantined %-16s %d", reason, n)));
      if (p.inputRows() == 0) {
        throw new DataRejectedException("input " + s.input() + " holds no rows");
      }
      if (p.badFraction() > s.maxBadFraction()) {
        throw new DataRejectedException(rejection(p, s, out));
      }
      p.writePrompts(dir);
      Dataset<Row> pairs = ctx.spark().read().schema(DataTables.PAIRS_SCHEMA)
          .parquet(dir + "/" + DataTables.PAIRS);
      Dataset<Row> prompts = ctx.spark().read().schema(DataTables.PROMPTS_SCHEMA)
          .parquet(dir + "/" + DataTables.PROMPTS);
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("input", s.input());
      summary.put("input_rows", p.inputRows());
      summary.putAll(ParsedInput.describePairs(pairs));
      summary.put("duplicate_pair_ids", pairs.groupBy("pair_id").count()
          .filter("count > 1").count());
      Map<String, Long> promptsBySplit = ParsedInput.promptsBySplit(prompts);
      summary.put("prompts", promptsBySplit.values().stream().mapToLong(Long::longValue).sum());
      summary.put("prompts_by_split", promptsBySplit);
      summary.put("prompt_set_rows", p.promptRows());
      summary.put("quarantined", p.quarantined());
      summary.put("bad_fraction", p.badFraction());
      summary.put("quarantined_by_reason", new TreeMap<>(p.reasons()));
      summary.put("input_files", p.files());
      summary.put("seed", seed);
      summary.put("test_fraction", s.testFraction());
      console.println("prepare: pairs " + summary.get("pairs_by_split") + ", prompts "
          + promptsBySplit + ", labels " + summary.get("label_mix"));
      ctx.runDir().recordInputs(inputChecksums(s, seed, p));
      return summary;
    }
  }

  private static Map<String, String> inputChecksums(DataSettings s, long seed, ParsedInput p) {
    Map<String, String> m = new TreeMap<>();
    if (s.synthetic()) {
      m.put(SyntheticRowsFn.sourceName(seed), "generated: " + s.syntheticPairs() + " pairs");
    }
    p.files().forEach((file, f) -> m.put(file, "sha256:" + f.get("sha256")));
    return m;
  }

  /** The exit-3 message: counts, the limit, and the top reasons with one example each. */
  static String rejection(ParsedInput p, DataSettings s, PendingOutput out) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
        "input data rejected: %d of %d rows (%.2f%%) are bad, more than data.maxBadFraction = %s;"
            + " top reasons:", p.quarantined(), p.inputRows(), 100 * p.badFraction(),
        s.maxBadFraction()));
    List<Map.Entry<String, Long>> top = p.reasons().entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
        .collect(Collectors.toList());
    for (Map.Entry<String, Long> e : top) {
      ParsedInput.QuarantineExample ex = p.examples().get(e.getKey());
      String raw = ex.raw().length() > 160 ? ex.raw().substring(0, 160) + "..." : ex.raw();
      b.append(String.format(Locale.ROOT, "%n  %-16s %6d  e.g. %s line %d: %s%n%24s raw: %s",
          e.getKey(), e.getValue(), ex.source(), ex.line(), ex.reason(), "", raw));
    }
    b.append(String.format(Locale.ROOT, "%nthe quarantined rows are in %s/%s (not committed)",
        out.path(), DataTables.QUARANTINE));
    return b.toString();
  }
}
