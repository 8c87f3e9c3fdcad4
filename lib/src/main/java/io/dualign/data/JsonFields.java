package io.dualign.data;

import com.fasterxml.jackson.databind.JsonNode;

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
