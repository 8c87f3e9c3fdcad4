package io.dualign.jobs;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.dualign.spark.RolloutTable;
import io.dualign.spark.dual.SampleTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * {@code RolloutSummary} is the {@code _SUCCESS.json} part of a written rollout table: counts,
 * tokens, throughput, means of the scores over rows without an error, the top error reasons,
 * executors and devices. All from Spark actions on the written table (never accumulators).
 */
final class RolloutSummary {
  private RolloutSummary() {}

  static Map<String, Object> of(Dataset<Row> written, List<String> utilities, double seconds) {
    boolean gold = List.of(written.columns()).contains(RolloutTable.GOLD_REWARD);
    List<Column> aggs = new ArrayList<>(List.of(
        count(col(SampleTable.PROMPT_ID)).as("rows"),
        sum(when(col(SampleTable.ERROR).isNotNull(), 1).otherwise(0)).as("error_rows"),
        sum(when(col(RolloutTable.PROMPT_TRUNCATED), 1).otherwise(0)).as("rows_with_truncated_prompt"),
        sum(col(SampleTable.RESPONSE_TOKENS)).as("response_tokens"),
        sum(when(col(RolloutTable.FINISH_REASON).equalTo("length"), 1).otherwise(0))
            .as("responses_cut_at_max_tokens"),
        countDistinct(col(RolloutTable.EXECUTOR_ID)).as("executors"),
        avg(col(SampleTable.REWARD)).as("mean_reward")));
    for (String u : utilities) {
      aggs.add(avg(col(u)).as("mean_" + u));
    }
    if (gold) {
      aggs.add(avg(col(RolloutTable.GOLD_REWARD)).as("mean_gold_reward"));
      aggs.add(avg(col(RolloutTable.GOLD_COST)).as("mean_gold_cost"));
    }
    Row r = written.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).first();
    Map<String, Object> m = new LinkedHashMap<>();
    for (String f : r.schema().fieldNames()) {
      Object v = r.get(r.fieldIndex(f));
      m.put(f, v == null && !f.startsWith("mean_") ? 0L : v);
    }
    long rows = ((Number) m.get("rows")).longValue();
    long tokens = ((Number) m.get("response_tokens")).longValue();
    m.put("seconds", seconds);
    m.put("rows_per_second", seconds > 0 ? rows / seconds : null);
    m.put("tokens_per_second", seconds > 0 ? tokens / seconds : null);
    m.put("top_errors", topErrors(written));
    m.put("devices", written.select(RolloutTable.DEVICE).distinct().orderBy(RolloutTable.DEVICE)
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    return m;
  }

  /** The five most frequent error messages with their counts. */
  static Map<String, Long> topErrors(Dataset<Row> written) {
    Map<String, Long> top = new LinkedHashMap<>();
    for (Row e : written.filter(col(SampleTable.ERROR).isNotNull()).groupBy(SampleTable.ERROR)
        .count().orderBy(desc("count"), col(SampleTable.ERROR)).limit(5).collectAsList()) {
      top.put(e.getString(0), e.getLong(1));
    }
    return top;
  }
}
