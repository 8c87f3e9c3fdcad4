package io.dualign.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualign.config.DataSettings;
import io.dualign.text.ConversationPrompt;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * A {@code RowParser} turns one input line (or one parquet row as JSON) into one row of
 * {@link DataTables#PARSED_SCHEMA}: a pair, a prompt, or a quarantined row with its file, line,
 * reason and raw text. It is the single place where validation happens, shared by every reader
 * and by the synthetic generator; it runs in executors and keeps per-file state (the detected
 * format, the UTF-8 decoder), so use one instance per file.
 *
 * <p>A row's split is a seeded hash of its prompt id ({@code data.split = hash}), or with
 * {@code data.split = given} the split the input names ({@link GivenSplit}: the row's
 * {@code split} field, else its file's name), falling back to the hash for a file that names
 * none.
 */
public final class RowParser implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Raw text kept in the quarantine table, at most this many characters. */
  public static final int MAX_RAW_CHARS = 65_536;
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final DataSettings settings;
  private final long seed;
  private final String sourceFile;
  private final ConversationPrompt conversations;
  private final String fileSplit;
  private InputFormat format;
  private transient CharsetDecoder decoder;

  /** A parser of plain-text prompts (conversations rendered in safe-rlhf's format). */
  public RowParser(DataSettings settings, long seed, String sourceFile) {
    this(settings, seed, sourceFile, ConversationPrompt.safeRlhf());
  }

  /** A parser whose conversational prompts {@code conversations} renders. */
  public RowParser(DataSettings settings, long seed, String sourceFile,
      ConversationPrompt conversations) {
    this.settings = settings;
    this.seed = seed;
    this.sourceFile = sourceFile;
    this.conversations = conversations;
    this.fileSplit = settings.givenSplit() ? GivenSplit.ofPath(sourceFile) : null;
    this.format = InputFormat.fromConfig(settings.format());
  }

  /**
   * Parses one line of a JSON-lines file: {@code bytes[0..len)} without its line end;
   * {@code fullLength} is the line's length in bytes before any truncation to
   * {@code data.maxLineBytes}. A UTF-8 BOM at the start of the line and a trailing CR are dropped.
   */
  public Row parseLine(byte[] bytes, int len, long fullLength, long line) {
    int start = 0;
    if (len >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
        && (bytes[2] & 0xff) == 0xBF) {
      start = 3;
    }
    int end = len;
    if (end > start && fullLength == len && bytes[end - 1] == '\r') {
      end--;
    }
    if (fullLength > settings.maxLineBytes()) {
      String raw = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      return bad(line, "line_too_long: the line has " + fullLength + " bytes, more than "
          + "data.maxLineBytes = " + settings.maxLineBytes(), raw);
    }
    String text;
    try {
      text = decoder().decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
    } catch (CharacterCodingException e) {
      String raw = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      return bad(line, RejectReason.INVALID_UTF8.code() + ": the line is not valid UTF-8 ("
          + e.getMessage() + ")", raw);
    }
    return parseText(text, line);
  }

  /** Parses one line of text (already decoded). */
  public Row parseText(String text, long line) {
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      String msg = e.getOriginalMessage();
      return bad(line, RejectReason.MALFORMED_JSON.code() + ": "
          + (msg.length() > 120 ? msg.substring(0, 120) + "..." : msg), text);
    }
    if (node == null || !node.isObject()) {
      return bad(line, RejectReason.NOT_AN_OBJECT.code() + ": the line is "
          + (node == null ? "empty" : "a JSON " + node.getNodeType().name().toLowerCase()), text);
    }
    return parseObject(node, text, line);
  }

  /** Parses one JSON object; {@code raw} is kept if the row is quarantined. */
  public Row parseObject(JsonNode node, String raw, long line) {
    if (format == null) {
      format = InputFormat.detect(node);
      if (format == null) {
        return bad(line, RejectReason.UNKNOWN_FORMAT.code() + ": no PKU-SafeRLHF, HH-RLHF or "
            + "prompt fields (fields: " + fieldNames(node) + ")", raw);
      }
    }
    try {
      switch (format) {
        case PKU_SAFERLHF:
          return pairRow(PkuSafeRlhfParser.parse(node, settings, sourceName(), conversations),
              split(node), line);
        case HH_RLHF:
          return pairRow(HhRlhfParser.parse(node, settings), split(node), line);
        default:
          return promptRow(PromptRecord.parse(node, settings, conversations), split(node), line);
      }
    } catch (BadRowException e) {
      return bad(line, e.describe(), raw);
    }
  }

  private String sourceName() {
    return sourceFile.startsWith("synthetic:") ? "synthetic" : PkuSafeRlhfParser.SOURCE;
  }

  /** The format detected (or configured) so far; null before the first object. */
  public InputFormat format() {
    return format;
  }

  /** The split the input names for this row (given splits), or null for the hash split. */
  private String split(JsonNode node) throws BadRowException {
    if (!settings.givenSplit()) {
      return null;
    }
    String own = JsonFields.optionalText(node, "split");
    return own != null ? GivenSplit.ofValue(own) : fileSplit;
  }

  private String splitOf(String promptId, String given) {
    return given != null ? given : PromptSplit.of(promptId, seed, settings.testFraction());
  }

  private Row pairRow(PreferencePair p, String given, long line) {
    String promptId = p.promptId();
    return RowFactory.create("pair", p.pairId(), promptId, p.prompt(), p.response0(),
        p.response1(), p.betterResponseId(), p.saferResponseId(), p.isResponse0Safe(),
        p.isResponse1Safe(), p.response0Severity(), p.response1Severity(),
        scala.jdk.javaapi.CollectionConverters.asScala(p.response0HarmCategories()).toSeq(),
        scala.jdk.javaapi.CollectionConverters.asScala(p.response1HarmCategories()).toSeq(),
        p.category(), p.source(), splitOf(promptId, given),
        p.promptSource(), p.response0Source(), p.response1Source(), sourceFile, line, null, null);
  }

  private Row promptRow(PromptRecord p, String given, long line) {
    String promptId = p.promptId();
    return RowFactory.create("prompt", null, promptId, p.prompt(), null, null, null, null, null,
        null, null, null, null, null, p.category(), PromptRecord.SOURCE,
        splitOf(promptId, given), null, null, null, sourceFile,
        line, null, null);
  }

  /** A quarantine row of the parsed table. */
  public Row bad(long line, String reason, String raw) {
    return badRow(sourceFile, line, reason, raw);
  }

  /** A quarantine row for {@code file}, usable without a parser (e.g. an unreadable file). */
  public static Row badRow(String file, long line, String reason, String raw) {
    String kept = raw.length() > MAX_RAW_CHARS
        ? raw.substring(0, MAX_RAW_CHARS) + "...[truncated " + (raw.length() - MAX_RAW_CHARS)
            + " characters]"
        : raw;
    return RowFactory.create("bad", null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null, null, file, line, reason, kept);
  }

  /** A file summary row: lines read and the sha256 of the file's (decompressed) bytes. */
  public static Row fileRow(String file, long lines, String sha256) {
    return RowFactory.create("file", null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null, null, file, lines, null, sha256);
  }

  private CharsetDecoder decoder() {
    if (decoder == null) {
      decoder = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
    }
    decoder.reset();
    return decoder;
  }

  private static String fieldNames(JsonNode node) {
    StringBuilder b = new StringBuilder();
    node.fieldNames().forEachRemaining(n -> b.append(b.length() == 0 ? "" : ", ").append(n));
    return b.length() > 200 ? b.substring(0, 200) + "..." : b.toString();
  }

}
