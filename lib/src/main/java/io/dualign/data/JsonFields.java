package io.dualign.data;

import com.fasterxml.jackson.databind.JsonNode;
import io.dualign.text.ConversationPrompt;
import io.dualign.text.JinjaChatTemplate;
import java.util.ArrayList;
import java.util.List;

/** {@code JsonFields} reads typed fields of one JSON row, throwing {@link BadRowException}s that name the field. */
final class JsonFields {
  private JsonFields() {}

  static boolean has(JsonNode row, String field) {
    JsonNode v = row.get(field);
    return v != null && !v.isNull();
  }

  static JsonNode required(JsonNode row, String field) throws BadRowException {
    JsonNode v = row.get(field);
    if (v == null || v.isNull()) {
      throw new BadRowException(RejectReason.MISSING_FIELD, "field '" + field + "' is missing");
    }
    return v;
  }

  static String text(JsonNode row, String field, int maxChars) throws BadRowException {
    return text(row, field, maxChars, false);
  }

  /** A string field; blank is an error unless {@code blankAllowed}. */
  static String text(JsonNode row, String field, int maxChars, boolean blankAllowed)
      throws BadRowException {
    JsonNode v = required(row, field);
    if (!v.isTextual()) {
      throw wrongType(field, "a string", v);
    }
    String s = v.textValue();
    if (s.isBlank() && !blankAllowed) {
      throw new BadRowException(RejectReason.EMPTY_TEXT, "field '" + field + "' is empty");
    }
    if (s.length() > maxChars) {
      throw new BadRowException(RejectReason.TOO_LONG, "field '" + field + "' has " + s.length()
          + " characters, more than the limit " + maxChars);
    }
    return s;
  }

  /**
   * A prompt field: a string, or a conversation (a list of {@code {role, content}} turns) that
   * {@code conversations} turns into the prompt text; a conversation it refuses is a bad
   * dialogue, with its reason.
   */
  static String prompt(JsonNode row, String field, int maxChars, ConversationPrompt conversations)
      throws BadRowException {
    JsonNode v = required(row, field);
    if (!v.isArray()) {
      return text(row, field, maxChars);
    }
    String prompt;
    try {
      prompt = conversations.prompt(turns(v, field));
    } catch (IllegalArgumentException e) {
      throw new BadRowException(RejectReason.BAD_DIALOGUE, "field '" + field + "': "
          + e.getMessage());
    }
    if (prompt.isBlank()) {
      throw new BadRowException(RejectReason.EMPTY_TEXT, "field '" + field + "' is empty");
    }
    if (prompt.length() > maxChars) {
      throw new BadRowException(RejectReason.TOO_LONG, "field '" + field + "' has "
          + prompt.length() + " characters, more than the limit " + maxChars);
    }
    return prompt;
  }

  /**
   * A response field: a string, or a list of exactly one {@code assistant} turn (the
   * conversational form) whose content is the response.
   */
  static String response(JsonNode row, String field, int maxChars, boolean blankAllowed)
      throws BadRowException {
    JsonNode v = required(row, field);
    if (!v.isArray()) {
      return text(row, field, maxChars, blankAllowed);
    }
    List<JinjaChatTemplate.Message> t = turns(v, field);
    if (t.size() != 1 || !t.get(0).role().equals("assistant")) {
      throw new BadRowException(RejectReason.BAD_DIALOGUE, "field '" + field + "' holds "
          + t.size() + " turn(s)" + (t.isEmpty() ? "" : " starting with a " + t.get(0).role()
          + " turn") + "; a response is one assistant turn");
    }
    String s = t.get(0).content();
    if (s.isBlank() && !blankAllowed) {
      throw new BadRowException(RejectReason.EMPTY_TEXT, "field '" + field + "' is empty");
    }
    if (s.length() > maxChars) {
      throw new BadRowException(RejectReason.TOO_LONG, "field '" + field + "' has " + s.length()
          + " characters, more than the limit " + maxChars);
    }
    return s;
  }

  private static List<JinjaChatTemplate.Message> turns(JsonNode list, String field)
      throws BadRowException {
    List<JinjaChatTemplate.Message> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode t = list.get(i);
      String at = field + "[" + i + "]";
      if (!t.isObject()) {
        throw wrongType(at, "an object with role and content", t);
      }
      JsonNode role = t.get("role");
      JsonNode content = t.get("content");
      if (role == null || !role.isTextual()) {
        throw role == null || role.isNull() ? new BadRowException(RejectReason.MISSING_FIELD,
            "field '" + at + ".role' is missing") : wrongType(at + ".role", "a string", role);
      }
      if (content == null || !content.isTextual()) {
        throw content == null || content.isNull() ? new BadRowException(
            RejectReason.MISSING_FIELD, "field '" + at + ".content' is missing")
            : wrongType(at + ".content", "a string", content);
      }
      out.add(new JinjaChatTemplate.Message(role.textValue(), content.textValue()));
    }
    return out;
  }

  static String optionalText(JsonNode row, String field) throws BadRowException {
    if (!has(row, field)) {
      return null;
    }
    JsonNode v = row.get(field);
    if (!v.isTextual()) {
      throw wrongType(field, "a string", v);
    }
    return v.textValue();
  }

  static boolean bool(JsonNode row, String field) throws BadRowException {
    JsonNode v = required(row, field);
    if (!v.isBoolean()) {
      throw wrongType(field, "true or false", v);
    }
    return v.booleanValue();
  }

  static int responseId(JsonNode row, String field) throws BadRowException {
    JsonNode v = required(row, field);
    if (!v.isIntegralNumber()) {
      throw wrongType(field, "an integer", v);
    }
    long id = v.longValue();
    if (id != 0 && id != 1) {
      throw new BadRowException(RejectReason.BAD_ID, "field '" + field + "' is " + v
          + ", expected 0 or 1");
    }
    return (int) id;
  }

  static BadRowException wrongType(String field, String expected, JsonNode v) {
    String shown = v.toString();
    if (shown.length() > 60) {
      shown = shown.substring(0, 60) + "...";
    }
    return new BadRowException(RejectReason.WRONG_TYPE, "field '" + field + "' is " + shown
        + ", expected " + expected);
  }
}
