package io.dualign.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.substring_index;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.dualign.config.DataSettings;
import io.dualign.text.ConversationPrompt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * A {@code ParsedInput} is the validated form of one {@code data.input}: every input row parsed
 * in the executors into a pair, a prompt or a quarantined row (plus one summary row per JSON
 * file), with the driver-side counts from one aggregation. It writes the {@code pairs},
 * {@code prompts} and {@code quarantine} tables; each write re-reads and re-parses the input
 * (parsing is deterministic and cheaper than caching the parsed rows).
 */
public final class ParsedInput implements AutoCloseable {
  private final Dataset<Row> parsed;
  private Map<String, Long> kinds;
  private Map<String, Long> reasons;
  private Map<String, QuarantineExample> examples;
  private Map<String, Map<String, Object>> files;

  /** One quarantined row shown as the example of its reason. */
  public record QuarantineExample(String source, long line, String reason, String raw) {}

  private ParsedInput(Dataset<Row> parsed) {
    this.parsed = parsed;
  }

  /**
   * Counts the rows per kind and reason, with one example per reason and the file summaries, in
   * one aggregation pass over the input. {@link #writePairs} gets the same counts from its own
   * pass; this is for callers that do not write.
   */
  public ParsedInput summarise() {
    Map<String, Long> k = new TreeMap<>();
    Map<String, Long> rs = new TreeMap<>();
    Map<String, QuarantineExample> ex = new TreeMap<>();
    Map<String, Map<String, Object>> fs = new TreeMap<>();
    Column key = when(col("kind").equalTo("bad"), substring_index(col("reason"), ":", 1))
        .when(col("kind").equalTo("file"), col("source_file"))
        .otherwise(lit(""));
    Column firstByPlace = min_by(struct(col("source_file"), col("source_line"), col("reason"),
        col("raw")), struct(col("source_file"), col("source_line")));
    for (Row r : parsed.groupBy(col("kind"), key.as("key"))
        .agg(count(lit(1)), firstByPlace).collectAsList()) {
      String kind = r.getString(0);
      Row first = r.getStruct(3);
      if (kind.equals("bad")) {
        rs.put(r.getString(1), r.getLong(2));
        ex.put(r.getString(1), new QuarantineExample(first.getString(0), first.getLong(1),
            first.getString(2), first.getString(3)));
      } else if (kind.equals("file")) {
        fs.put(r.getString(1), fileSummary(first.getLong(1), first.getString(3)));
      }
      k.merge(kind, r.getLong(2), Long::sum);
    }
    this.kinds = k;
    this.reasons = rs;
    this.examples = ex;
    this.files = fs;
    return this;
  }

  private static Map<String, Object> fileSummary(long lines, String sha256) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("lines", lines);
    f.put("sha256", sha256);
    return f;
  }

  private void ensureSummarised() {
    if (kinds == null) {
      summarise();
    }
  }

  /**
   * Parses and validates {@code settings.input()} ("synthetic", or files as {@link InputFiles}
   * resolves them), with {@code seed} deciding the split and the synthetic data.
   */
  public static ParsedInput parse(SparkSession spark, DataSettings settings, long seed) {
    return parse(spark, settings, seed, ConversationPrompt.safeRlhf());
  }

  /**
   * Parses and validates {@code settings.input()} as {@link #parse(SparkSession, DataSettings,
   * long)} does, {@code conversations} rendering conversational prompts (the policy's template).
   */
  public static ParsedInput parse(SparkSession spark, DataSettings settings, long seed,
      ConversationPrompt conversations) {
    List<Dataset<Row>> parts = new ArrayList<>();
    if (settings.synthetic()) {
      int n = settings.syntheticPairs();
      int partitions = Math.max(spark.sparkContext().defaultParallelism(),
          (int) Math.min(1000, n / 50_000 + 1));
      parts.add(spark.range(0, n, 1, partitions).as(Encoders.LONG())
          .mapPartitions(new SyntheticRowsFn(settings, seed), Encoders.row(DataTables.PARSED_SCHEMA)));
    } else {
      InputFiles in = InputFiles.resolve(settings.input(), spark.sparkContext().hadoopConfiguration());
      if (!in.jsonLines().isEmpty()) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rows = jsc.parallelize(in.jsonLines(), in.jsonLines().size())
            .flatMap(new JsonLinesReadFn(settings, seed,
                new HadoopConf(spark.sparkContext().hadoopConfiguration()), conversations));
        parts.add(spark.createDataFrame(rows, DataTables.PARSED_SCHEMA));
      }
      if (!in.parquet().isEmpty()) {
        Dataset<Row> pq = spark.read().option("mergeSchema", "true")
            .parquet(in.parquet().toArray(new String[0]));
        List<Column> cols = new ArrayList<>();
        for (String c : pq.columns()) {
          cols.add(col("`" + c + "`"));
        }
        cols.add(col("_metadata.file_path").as(ParquetRowsFn.FILE));
        cols.add(col("_metadata.row_index").as(ParquetRowsFn.ROW));
        parts.add(pq.select(cols.toArray(new Column[0]))
            .mapPartitions(new ParquetRowsFn(settings, seed, conversations), Encoders.row(DataTables.PARSED_SCHEMA)));
      }
    }
    Dataset<Row> all = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      all = all.unionByName(parts.get(i));
    }
    return new ParsedInput(all);
  }

  /** Rows read: pairs, prompts and quarantined rows (file summaries and blank lines excluded). */
  public long inputRows() {
    return pairs() + promptRows() + quarantined();
  }

  public long pairs() {
    ensureSummarised();
    return kinds.getOrDefault("pair", 0L);
  }

  /** Rows of prompt-set files (prompts that come without pairs). */
  public long promptRows() {
    ensureSummarised();
    return kinds.getOrDefault("prompt", 0L);
  }

  public long quarantined() {
    ensureSummarised();
    return kinds.getOrDefault("bad", 0L);
  }

  /** The share of input rows quarantined (0 when there are none). */
  public double badFraction() {
    long n = inputRows();
    return n == 0 ? 0 : (double) quarantined() / n;
  }

  /** Quarantined rows per reason code, sorted by code. */
  public Map<String, Long> reasons() {
    ensureSummarised();
    return reasons;
  }

  /** The first quarantined row (by file and line) of each reason code. */
  public Map<String, QuarantineExample> examples() {
    ensureSummarised();
    if (examples == null) {
      examples = new TreeMap<>();
      if (quarantined() > 0) {
        Column first = min_by(struct(col("source_file"), col("source_line"), col("reason"),
            col("raw")), struct(col("source_file"), col("source_line")));
        for (Row r : parsed.filter(col("kind").equalTo("bad"))
            .groupBy(substring_index(col("reason"), ":", 1)).agg(first).collectAsList()) {
          Row e = r.getStruct(1);
          examples.put(r.getString(0), new QuarantineExample(e.getString(0), e.getLong(1),
              e.getString(2), e.getString(3)));
        }
      }
    }
    return examples;
  }

  /** Per JSON-lines file: lines read and the sha256 of its bytes. */
  public Map<String, Map<String, Object>> files() {
    ensureSummarised();
    return files;
  }

  /** The parsed rows (schema {@link DataTables#PARSED_SCHEMA}). */
  public Dataset<Row> rows() {
    return parsed;
  }

  /** The pairs table. */
  public Dataset<Row> pairsTable() {
    return parsed.filter(col("kind").equalTo("pair")).select(columns(DataTables.PAIRS_SCHEMA));
  }

  /** The quarantine table. */
  public Dataset<Row> quarantineTable() {
    return parsed.filter(col("kind").equalTo("bad")).select(col("source_file").as("source"),
        col("source_line").as("line"), col("reason"), col("raw"));
  }

  /**
   * The prompts table: distinct prompt ids of the pairs and of prompt-set rows. A prompt whose
   * rows the input puts in both splits ({@code data.split = given}) is a test prompt here.
   */
  public Dataset<Row> promptsTable() {
    return parsed.filter(col("kind").isin("pair", "prompt"))
        .groupBy("prompt_id")
        .agg(first("prompt").as("prompt"), max("category").as("category"),
            min("split").as("split")) // "test" < "train": a prompt in both given splits is held out
        .select(columns(DataTables.PROMPTS_SCHEMA));
  }

  private static Column[] columns(org.apache.spark.sql.types.StructType schema) {
    return java.util.Arrays.stream(schema.fieldNames()).map(n -> col(n)).toArray(Column[]::new);
  }

  /**
   * Writes the quarantine table as parquet under {@code dir/quarantine} (one file; an empty table
   * when nothing was quarantined).
   */
  public void writeQuarantine(String dir) {
    Dataset<Row> q = quarantined() == 0
        ? parsed.sparkSession().createDataFrame(List.of(), DataTables.QUARANTINE_SCHEMA)
        : quarantineTable().coalesce(1);
    q.write().mode(SaveMode.ErrorIfExists).parquet(dir + "/" + DataTables.QUARANTINE);
  }

  /**
   * Writes the pairs table under {@code dir/pairs}, counting every kind of row, every reason and
   * the file summaries in the same pass (a Spark {@link Observation} of the write, which counts
   * each successful task once). Examples of reasons are found on demand by {@link #examples()}.
   */
  public void writePairs(String dir) {
    List<Column> metrics = new ArrayList<>();
    metrics.add(count_if(col("kind").equalTo("prompt")).as("prompt"));
    metrics.add(count_if(col("kind").equalTo("bad")).as("bad"));
    for (RejectReason r : RejectReason.values()) {
      metrics.add(count_if(col("kind").equalTo("bad").and(col("reason").startsWith(r.code() + ":")))
          .as("reason:" + r.code()));
    }
    metrics.add(collect_list(when(col("kind").equalTo("file"),
        struct(col("source_file"), col("source_line"), col("raw")))).as("files"));
    Observation obs = new Observation("prepare");
    parsed.observe(obs, count_if(col("kind").equalTo("pair")).as("pair"),
            metrics.toArray(new Column[0]))
        .filter(col("kind").equalTo("pair")).select(columns(DataTables.PAIRS_SCHEMA))
        .write().mode(SaveMode.ErrorIfExists).parquet(dir + "/" + DataTables.PAIRS);
    Row m;
    try {
      m = obs.getRow();
    } catch (RuntimeException e) {
      throw new IllegalStateException("no row counts observed while writing " + dir, e);
    }
    Map<String, Long> k = new TreeMap<>();
    Map<String, Long> rs = new TreeMap<>();
    for (String kind : List.of("pair", "prompt", "bad")) {
      long n = m.getLong(m.fieldIndex(kind));
      if (n > 0) {
        k.put(kind, n);
      }
    }
    for (RejectReason r : RejectReason.values()) {
      long n = m.getLong(m.fieldIndex("reason:" + r.code()));
      if (n > 0) {
        rs.put(r.code(), n);
      }
    }
    Map<String, Map<String, Object>> fs = new TreeMap<>();
    for (Row f : m.<Row>getList(m.fieldIndex("files"))) {
      fs.put(f.getString(0), fileSummary(f.getLong(1), f.getString(2)));
    }
    this.kinds = k;
    this.reasons = rs;
    this.files = fs;
    this.examples = null;
  }

  /** Writes the prompts table under {@code dir/prompts}. */
  public void writePrompts(String dir) {
    promptsTable().write().mode(SaveMode.ErrorIfExists).parquet(dir + "/" + DataTables.PROMPTS);
  }

  /** Summary figures of a pairs table: per split, per source and the label mix. */
  public static Map<String, Object> describePairs(Dataset<Row> pairs) {
    Row r = pairs.agg(
        count(lit(1)),
        sum(when(col("split").equalTo("train"), 1).otherwise(0)),
        sum(when(col("split").equalTo("test"), 1).otherwise(0)),
        sum(when(col("is_response_0_safe").and(col("is_response_1_safe")), 1).otherwise(0)),
        sum(when(not(col("is_response_0_safe")).and(not(col("is_response_1_safe"))), 1)
            .otherwise(0)),
        sum(when(col("is_response_0_safe").and(not(col("is_response_1_safe"))), 1).otherwise(0)),
        sum(when(not(col("is_response_0_safe")).and(col("is_response_1_safe")), 1).otherwise(0)),
        sum(when(col("better_response_id").equalTo(col("safer_response_id")), 1).otherwise(0)),
        sum(when(col("is_response_0_safe").isNull(), 1).otherwise(0)))
        .first();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pairs", r.getLong(0));
    m.put("pairs_by_split", Map.of("train", longOf(r, 1), "test", longOf(r, 2)));
    Map<String, Object> mix = new LinkedHashMap<>();
    mix.put("both_safe", longOf(r, 3));
    mix.put("both_unsafe", longOf(r, 4));
    mix.put("only_response_0_safe", longOf(r, 5));
    mix.put("only_response_1_safe", longOf(r, 6));
    mix.put("safety_unlabelled", longOf(r, 8));
    mix.put("better_is_safer", longOf(r, 7));
    m.put("label_mix", mix);
    Map<String, Long> sources = new TreeMap<>();
    for (Row s : pairs.groupBy("source").count().collectAsList()) {
      sources.put(s.getString(0), s.getLong(1));
    }
    m.put("pairs_by_source", sources);
    return m;
  }

  /** Prompts per split of a prompts table. */
  public static Map<String, Long> promptsBySplit(Dataset<Row> prompts) {
    Map<String, Long> m = new TreeMap<>();
    for (Row s : prompts.groupBy("split").count().collectAsList()) {
      m.put(s.getString(0), s.getLong(1));
    }
    return m;
  }

  private static long longOf(Row r, int i) {
    return r.isNullAt(i) ? 0 : r.getLong(i);
  }

  /** Nothing is cached; kept so callers can scope a parse with try-with-resources. */
  @Override
  public void close() {
  }
}
