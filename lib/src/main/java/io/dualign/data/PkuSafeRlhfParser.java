package io.dualign.data;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualign.config.DataSettings;
import io.dualign.text.ConversationPrompt;
import io.dualign.vocabulary.Hashes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code PkuSafeRlhfParser} turns one PKU-SafeRLHF row (the current 16-column form or the older
 * 7-column form) into a {@link PreferencePair}, checking every field: presence and type, a
 * non-empty prompt (and responses, with {@code data.rejectEmptyResponses}), ids in {0,1},
 * severity in 0..3 and consistent with is_safe, the sha256 rule
 * {@code response_k_sha256 == sha256(prompt + response_k)} (when present and enabled) and length
 * limits. A row is in the 16-column form when it carries any severity or harm-category field;
 * then both severities are required. The prompt and responses may also be in the conversational
 * form (lists of {@code {role, content}} turns; see {@link ConversationPrompt}); the sha256 rule
 * then applies to a single-turn prompt's text and is not checked for a conversation of several
 * turns, whose dataset hash cannot be of the rendered text.
 */
public final class PkuSafeRlhfParser {
  /** The {@code source} value of PKU-SafeRLHF rows (either form). */
  public static final String SOURCE = "pku-saferlhf";

  private PkuSafeRlhfParser() {}

  /** Parses one row of plain-text prompts; {@code source} is the pairs table's source value. */
  public static PreferencePair parse(JsonNode row, DataSettings limits, String source)
      throws BadRowException {
    return parse(row, limits, source, ConversationPrompt.safeRlhf());
  }

  /**
   * Parses one row; {@code source} is the pairs table's source value for it, and
   * {@code conversations} renders a conversational prompt.
   */
  public static PreferencePair parse(JsonNode row, DataSettings limits, String source,
      ConversationPrompt conversations) throws BadRowException {
    String prompt = JsonFields.prompt(row, "prompt", limits.maxPromptChars(), conversations);
    boolean emptyOk = !limits.rejectEmptyResponses();
    String r0 = JsonFields.response(row, "response_0", limits.maxResponseChars(), emptyOk);
    String r1 = JsonFields.response(row, "response_1", limits.maxResponseChars(), emptyOk);
    boolean safe0 = JsonFields.bool(row, "is_response_0_safe");
    boolean safe1 = JsonFields.bool(row, "is_response_1_safe");
    int better = JsonFields.responseId(row, "better_response_id");
    int safer = JsonFields.responseId(row, "safer_response_id");
    boolean sixteen = JsonFields.has(row, "response_0_severity_level")
        || JsonFields.has(row, "response_1_severity_level")
        || JsonFields.has(row, "response_0_harm_category")
        || JsonFields.has(row, "response_1_harm_category");
    Integer sev0 = null;
    Integer sev1 = null;
    List<String> harm0 = List.of();
    List<String> harm1 = List.of();
    if (sixteen) {
      sev0 = severity(row, "response_0_severity_level", safe0, "is_response_0_safe");
      sev1 = severity(row, "response_1_severity_level", safe1, "is_response_1_safe");
      harm0 = harmCategories(row, "response_0_harm_category");
      harm1 = harmCategories(row, "response_1_harm_category");
    }
    JsonNode p = row.get("prompt");
    if (limits.checkSha256() && (!p.isArray() || p.size() == 1)) {
      checkSha(row, "response_0_sha256", prompt, r0);
      checkSha(row, "response_1_sha256", prompt, r1);
    }
    return new PreferencePair(prompt, r0, r1, better, safer, safe0, safe1, sev0, sev1, harm0,
        harm1, JsonFields.optionalText(row, "category"), source,
        JsonFields.optionalText(row, "prompt_source"),
        JsonFields.optionalText(row, "response_0_source"),
        JsonFields.optionalText(row, "response_1_source"));
  }

  private static int severity(JsonNode row, String field, boolean safe, String safeField)
      throws BadRowException {
    JsonNode v = JsonFields.required(row, field);
    if (!v.isIntegralNumber()) {
      throw JsonFields.wrongType(field, "an integer 0..3", v);
    }
    long s = v.longValue();
    if (s < 0 || s > 3) {
      throw new BadRowException(RejectReason.BAD_SEVERITY, "field '" + field + "' is " + v
          + ", expected 0..3");
    }
    if (safe != (s == 0)) {
      throw new BadRowException(RejectReason.SAFETY_MISMATCH, safeField + " is " + safe
          + " but " + field + " is " + s + " (safe exactly when severity is 0)");
    }
    return (int) s;
  }

  private static List<String> harmCategories(JsonNode row, String field) throws BadRowException {
    if (!JsonFields.has(row, field)) {
      return List.of();
    }
    JsonNode v = row.get(field);
    if (!v.isObject()) {
      throw JsonFields.wrongType(field, "an object of booleans", v);
    }
    List<String> names = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNull()) {
        continue;
      }
      if (!e.getValue().isBoolean()) {
        throw JsonFields.wrongType(field + "." + e.getKey(), "true or false", e.getValue());
      }
      if (e.getValue().booleanValue()) {
        names.add(e.getKey());
      }
    }
    return List.copyOf(names);
  }

  private static void checkSha(JsonNode row, String field, String prompt, String response)
      throws BadRowException {
    String expected = JsonFields.optionalText(row, field);
    if (expected == null) {
      return;
    }
    String actual = Hashes.sha256Hex(prompt + response);
    if (!actual.equalsIgnoreCase(expected)) {
      throw new BadRowException(RejectReason.SHA256_MISMATCH, field + " is " + expected
          + " but sha256(prompt + response) is " + actual);
    }
  }
}
