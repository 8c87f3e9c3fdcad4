package io.dualign.run.marker;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code Markers} reads and writes the {@code _SUCCESS.json} markers as their records.
 *
 * <p>Reading is lenient about what a newer dualign may add: a field the record does not declare
 * is ignored (the records are {@code @JsonIgnoreProperties(ignoreUnknown = true)}), so it is not
 * kept in the record and a marker rewritten from one would lose it. Reading is strict about what
 * the record needs: a missing required field, or a field of the wrong type, is a
 * {@link MarkerException} naming the file and the field. Writing writes the record: its declared
 * fields in record order (nested maps by key), then what it keeps in {@code other}.
 */
public final class Markers {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final ObjectMapper WRITER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
  /** The fields a run directory's commit adds to a stage's summary. */
  private static final Set<String> ADDED_AT_COMMIT =
      Set.of("output", "started", "finished", "seconds", "tracking");
  private static final Pattern MISSING = Pattern.compile("Missing required creator property '([^']+)'");
  private static final Pattern ITERATION = Pattern.compile("align/[a-z0-9-]+/iteration-\\d+");
  private static final Pattern THRESHOLD = Pattern.compile("sweep/b=[^/]+");

  private Markers() {}

  /** The record type of the marker of {@code output} (its name below the run directory). */
  public static Class<? extends StageMarker> typeOf(String output) {
    String o = output;
    Matcher b = Pattern.compile("(sweep/b=[^/]+)/(.+)").matcher(o);
    if (b.matches()) {
      o = b.group(2); // a b's solve-dual, align and evaluate have the run's own markers
    }
    if (THRESHOLD.matcher(o).matches()) {
      return SweepThresholdMarker.class;
    }
    if (ITERATION.matcher(o).matches()) {
      return AlignIterationMarker.class;
    }
    return switch (o) {
      case "prepare" -> PrepareMarker.class;
      case "sft", "train-reward", "train-cost" -> TrainingMarker.class;
      case "sample-ref" -> SampleRefMarker.class;
      case "score" -> ScoreMarker.class;
      case "solve-dual" -> SolveDualMarker.class;
      case "align" -> AlignMarker.class;
      case "align/reference" -> ReferenceLogProbsMarker.class;
      case "evaluate" -> EvaluateMarker.class;
      case "sweep" -> SweepMarker.class;
      case "sweep/summary" -> SweepSummaryMarker.class;
      case "report" -> ReportMarker.class;
      default -> {
        if (o.matches("align/[a-z0-9-]+")) {
          yield AlignMethodMarker.class;
        }
        throw new IllegalArgumentException("no marker record for output '" + output + "'");
      }
    };
  }

  /** The marker at {@code file} as a {@code type}, or empty when there is no such file. */
  public static <M> Optional<M> read(FileSystem fs, Path file, Class<M> type) {
    byte[] bytes;
    try (InputStream in = fs.open(file)) {
      bytes = in.readAllBytes();
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return Optional.of(parse(bytes, type, file.toString()));
  }

  /** The marker file at {@code file} (a local path) as a {@code type}. */
  public static <M> M read(java.nio.file.Path file, Class<M> type) {
    try {
      return parse(Files.readAllBytes(file), type, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** A marker's JSON as a {@code type}; {@code source} names it in errors. */
  public static <M> M parse(byte[] json, Class<M> type, String source) {
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (IOException e) {
      throw new MarkerException(source, null, "is not JSON: " + e.getMessage(), e);
    }
    return fromTree(node, type, source);
  }

  /**
   * A marker held as a map (as the run directory's commit observers see it) as a {@code type}.
   */
  public static <M> M fromMap(Map<String, ?> json, Class<M> type, String source) {
    return fromTree(MAPPER.valueToTree(json), type, source);
  }

  /**
   * A stage's summary (its marker before the commit adds {@code output}, {@code started},
   * {@code finished}, {@code seconds} and {@code tracking}) built from JSON made elsewhere (a
   * Spark task's figures) as a {@code type}: every other required field must be there.
   */
  public static <M> M summary(Map<String, ?> json, Class<M> type, String source) {
    return fromTree(MAPPER.valueToTree(json), type, source, ADDED_AT_COMMIT);
  }

  /** The marker as its JSON object, keys in record order (absent optional fields left out). */
  public static Map<String, Object> toMap(Object marker) {
    Map<String, Object> out = new LinkedHashMap<>();
    JsonNode tree = MAPPER.valueToTree(marker);
    tree.fields().forEachRemaining(e -> out.put(e.getKey(), MAPPER.convertValue(e.getValue(),
        Object.class)));
    return out;
  }

  /** The marker as the bytes of its {@code _SUCCESS.json} (indented, fields in record order). */
  public static byte[] write(Object marker) {
    try {
      return WRITER.writeValueAsBytes(marker);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + marker.getClass().getSimpleName(), e);
    }
  }

  /**
   * The same marker with the fields of {@code added} set (e.g. those the commit adds: output,
   * started, finished, seconds, tracking), re-read from its JSON.
   */
  public static <M> M with(M marker, Map<String, ?> added) {
    @SuppressWarnings("unchecked") // a marker record is final: its class is M's
    Class<M> type = (Class<M>) marker.getClass();
    ObjectNode tree = MAPPER.valueToTree(marker);
    tree.setAll((ObjectNode) MAPPER.valueToTree(added));
    return fromTree(tree, type, "the marker of " + type.getSimpleName(), ADDED_AT_COMMIT);
  }

  /** The JSON property names of a marker record, in declaration order. */
  public static List<String> propertyNames(Class<?> type) {
    List<String> out = new ArrayList<>();
    for (BeanPropertyDefinition p : describe(type).findProperties()) {
      if (!isAnySetter(p)) {
        out.add(p.getName());
      }
    }
    return out;
  }

  /** The JSON property names a marker record requires. */
  public static List<String> requiredNames(Class<?> type) {
    List<String> out = new ArrayList<>();
    for (BeanPropertyDefinition p : describe(type).findProperties()) {
      if (p.isRequired()) {
        out.add(p.getName());
      }
    }
    return out;
  }

  /** The map that keeps the fields a record does not declare (not a field of its own). */
  private static boolean isAnySetter(BeanPropertyDefinition p) {
    return p.getConstructorParameter() != null
        && p.getConstructorParameter().hasAnnotation(JsonAnySetter.class);
  }

  private static BeanDescription describe(Class<?> type) {
    return MAPPER.getDeserializationConfig().introspect(MAPPER.constructType(type));
  }

  private static <M> M fromTree(JsonNode node, Class<M> type, String source) {
    return fromTree(node, type, source, Set.of());
  }

  /** {@code node} as a {@code type}, checking every required field but those {@code later}. */
  private static <M> M fromTree(JsonNode node, Class<M> type, String source, Set<String> later) {
    if (node == null || !node.isObject()) {
      throw new MarkerException(source, null, "is not a JSON object", null);
    }
    ObjectNode fields = (ObjectNode) node;
    for (String required : requiredNames(type)) {
      if (!node.has(required) && later.contains(required)) {
        fields = fields == node ? fields.deepCopy() : fields;
        fields.putNull(required); // added at commit: absent until then
      } else if (!node.has(required)) {
        throw new MarkerException(source, required, "is missing (required in "
            + type.getSimpleName() + ")", null);
      }
    }
    try {
      return MAPPER.treeToValue(fields, type);
    } catch (JsonMappingException e) {
      String field = fieldOf(e);
      throw new MarkerException(source, field, "cannot be read as " + type.getSimpleName()
          + ": " + e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw new MarkerException(source, null, "cannot be read as " + type.getSimpleName() + ": "
          + e.getOriginalMessage(), e);
    }
  }

  /** The dotted path of the field a mapping error is about (null when it names none). */
  private static String fieldOf(JsonMappingException e) {
    List<String> parts = new ArrayList<>();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        parts.add(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        parts.add(String.valueOf(r.getIndex()));
      }
    }
    Matcher m = MISSING.matcher(String.valueOf(e.getOriginalMessage()));
    if (m.find()) {
      parts.add(m.group(1));
    }
    return parts.isEmpty() ? null : String.join(".", parts);
  }
}
