package io.dualign.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dualign.config.DataSettings;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ParquetRowsFn} validates rows read from parquet files (HF's parquet conversion of
 * PKU-SafeRLHF, or parquet written by Spark): each row becomes a JSON object and goes through the
 * same {@link RowParser} as a JSON line; its line is the 0-based parquet row index
 * ({@code _metadata.row_index}). Input rows carry the data columns then {@value #FILE} and
 * {@value #ROW}.
 */
public final class ParquetRowsFn implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  public static final String FILE = "__source_file";
  public static final String ROW = "__source_row";

  private final DataSettings settings;
  private final long seed;
  private final io.dualign.text.ConversationPrompt conversations;

  public ParquetRowsFn(DataSettings settings, long seed,
      io.dualign.text.ConversationPrompt conversations) {
    this.settings = settings;
    this.seed = seed;
    this.conversations = conversations;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Map<String, RowParser> parsers = new HashMap<>();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        Row r = rows.next();
        StructType schema = r.schema();
        String file = r.getString(schema.fieldIndex(FILE));
        long index = r.getLong(schema.fieldIndex(ROW));
        ObjectNode node = toJson(r, true);
        RowParser parser = parsers.computeIfAbsent(file,
            f -> new RowParser(settings, seed, f, conversations));
        return parser.parseObject(node, node.toString(), index);
      }
    };
  }

  /** The row as a JSON object (structs become objects; the bookkeeping columns are left out). */
  static ObjectNode toJson(Row r, boolean top) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    StructField[] fields = r.schema().fields();
    for (int i = 0; i < fields.length; i++) {
      String name = fields[i].name();
      if (top && (name.equals(FILE) || name.equals(ROW))) {
        continue;
      }
      o.set(name, value(r.get(i)));
    }
    return o;
  }

  private static JsonNode value(Object v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (v == null) {
      return f.nullNode();
    } else if (v instanceof String s) {
      return f.textNode(s);
    } else if (v instanceof Boolean b) {
      return f.booleanNode(b);
    } else if (v instanceof Long l) {
      return f.numberNode(l);
    } else if (v instanceof Integer n) {
      return f.numberNode(n);
    } else if (v instanceof Short n) {
      return f.numberNode(n);
    } else if (v instanceof Byte n) {
      return f.numberNode(n);
    } else if (v instanceof Double d) {
      return f.numberNode(d);
    } else if (v instanceof Float d) {
      return f.numberNode(d);
    } else if (v instanceof Row row) {
      return toJson(row, false);
    } else if (v instanceof scala.collection.Seq<?> seq) {
      var a = f.arrayNode();
      scala.jdk.javaapi.CollectionConverters.asJava(seq).forEach(x -> a.add(value(x)));
      return a;
    }
    return f.textNode(v.toString());
  }
}
