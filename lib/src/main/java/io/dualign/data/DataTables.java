package io.dualign.data;

import static org.apache.spark.sql.types.DataTypes.BooleanType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.dualign.vocabulary.HarmCategories;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code DataTables} holds the pinned schemas of the {@code prepare} stage's outputs
 * ({@code pairs}, {@code prompts}, {@code quarantine}) and of the PKU-SafeRLHF input forms. Every
 * reader and writer of these tables uses these types; nothing is inferred.
 */
public final class DataTables {
  /** Folder names of the outputs under {@code <run-dir>/prepare/}. */
  public static final String PAIRS = "pairs";
  public static final String PROMPTS = "prompts";
  public static final String QUARANTINE = "quarantine";

  /** The normalised preference pairs (one row per pair); docs/outputs.md describes each column. */
  public static final StructType PAIRS_SCHEMA = new StructType(new StructField[] {
      field("pair_id", StringType, false),
      field("prompt_id", StringType, false),
      field("prompt", StringType, false),
      field("response_0", StringType, false),
      field("response_1", StringType, false),
      field("better_response_id", IntegerType, false),
      field("safer_response_id", IntegerType, false),
      field("is_response_0_safe", BooleanType, true),
      field("is_response_1_safe", BooleanType, true),
      field("response_0_severity_level", IntegerType, true),
      field("response_1_severity_level", IntegerType, true),
      field("response_0_harm_category", DataTypes.createArrayType(StringType, false), false),
      field("response_1_harm_category", DataTypes.createArrayType(StringType, false), false),
      field("category", StringType, true),
      field("source", StringType, false),
      field("split", StringType, false),
      field("prompt_source", StringType, true),
      field("response_0_source", StringType, true),
      field("response_1_source", StringType, true),
      field("source_file", StringType, false),
      field("source_line", LongType, false)});

  /** The distinct prompts with their split (one row per prompt_id). */
  public static final StructType PROMPTS_SCHEMA = new StructType(new StructField[] {
      field("prompt_id", StringType, false),
      field("prompt", StringType, false),
      field("category", StringType, true),
      field("split", StringType, false)});

  /** Rejected input rows: file, line (or parquet row, 0-based), reason and raw text. */
  public static final StructType QUARANTINE_SCHEMA = new StructType(new StructField[] {
      field("source", StringType, false),
      field("line", LongType, false),
      field("reason", StringType, false),
      field("raw", StringType, false)});

  /** PKU-SafeRLHF's {@code *_harm_category} object: 19 booleans. */
  public static final StructType HARM_CATEGORY_STRUCT = harmStruct();

  /** The 7-column form of older releases (PKU-SafeRLHF-30K, -10K, v0). */
  public static final StructType PKU_7_COLUMNS = new StructType(new StructField[] {
      field("prompt", StringType, true),
      field("response_0", StringType, true),
      field("response_1", StringType, true),
      field("is_response_0_safe", BooleanType, true),
      field("is_response_1_safe", BooleanType, true),
      field("better_response_id", LongType, true),
      field("safer_response_id", LongType, true)});

  /** The current 16-column form, in the dataset's column order. */
  public static final StructType PKU_16_COLUMNS = new StructType(new StructField[] {
      field("prompt", StringType, true),
      field("response_0", StringType, true),
      field("response_1", StringType, true),
      field("prompt_source", StringType, true),
      field("response_0_source", StringType, true),
      field("response_1_source", StringType, true),
      field("is_response_0_safe", BooleanType, true),
      field("is_response_1_safe", BooleanType, true),
      field("response_0_harm_category", HARM_CATEGORY_STRUCT, true),
      field("response_1_harm_category", HARM_CATEGORY_STRUCT, true),
      field("response_0_severity_level", LongType, true),
      field("response_1_severity_level", LongType, true),
      field("better_response_id", LongType, true),
      field("safer_response_id", LongType, true),
      field("response_0_sha256", StringType, true),
      field("response_1_sha256", StringType, true)});

  /**
   * The intermediate table a parse pass produces: a pair, a prompt, a quarantined row or a file
   * summary, told apart by {@code kind}; the pairs columns plus {@code kind}, {@code reason},
   * {@code raw}.
   */
  public static final StructType PARSED_SCHEMA = parsedSchema();

  private DataTables() {}

  private static StructField field(String name, org.apache.spark.sql.types.DataType type,
      boolean nullable) {
    return DataTypes.createStructField(name, type, nullable);
  }

  private static StructType harmStruct() {
    StructField[] f = new StructField[HarmCategories.NAMES.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = field(HarmCategories.NAMES.get(i), BooleanType, true);
    }
    return new StructType(f);
  }

  private static StructType parsedSchema() {
    StructType s = new StructType().add(field("kind", StringType, false));
    for (StructField f : PAIRS_SCHEMA.fields()) {
      s = s.add(f.copy(f.name(), f.dataType(), true, f.metadata()));
    }
    return s.add(field("reason", StringType, true)).add(field("raw", StringType, true));
  }
}
