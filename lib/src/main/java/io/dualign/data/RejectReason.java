package io.dualign.data;

/**
 * A {@code RejectReason} is why an input row was quarantined; its {@link #code()} is the
 * {@code reason} column of the quarantine table and the key of the per-reason counts.
 */
public enum RejectReason {
  LINE_TOO_LONG("line_too_long"),
  INVALID_UTF8("invalid_utf8"),
  MALFORMED_JSON("malformed_json"),
  NOT_AN_OBJECT("not_an_object"),
  UNKNOWN_FORMAT("unknown_format"),
  MISSING_FIELD("missing_field"),
  WRONG_TYPE("wrong_type"),
  EMPTY_TEXT("empty_text"),
  BAD_ID("bad_id"),
  BAD_SEVERITY("bad_severity"),
  SAFETY_MISMATCH("safety_mismatch"),
  SHA256_MISMATCH("sha256_mismatch"),
  TOO_LONG("too_long"),
  BAD_DIALOGUE("bad_dialogue"),
  /** A row's {@code split} (with {@code data.split = given}) is neither train nor test. */
  BAD_SPLIT("bad_split"),
  /** The rest of a file could not be read (e.g. a truncated gzip stream); one row for the rest. */
  UNREADABLE("unreadable");

  private final String code;

  RejectReason(String code) {
    this.code = code;
  }

  public String code() {
    return code;
  }
}
