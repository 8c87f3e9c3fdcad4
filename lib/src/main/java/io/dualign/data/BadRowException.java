package io.dualign.data;

/**
 * A {@code BadRowException} is the verdict that one input row is invalid: the reason and a detail
 * naming the offending field or value. Parsers throw it; readers turn it into a quarantine row.
 */
public final class BadRowException extends Exception {
  private static final long serialVersionUID = 1L;

  private final RejectReason reason;

  public BadRowException(RejectReason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public RejectReason reason() {
    return reason;
  }

  /** The quarantine reason text: the reason code, a colon and the detail. */
  public String describe() {
    return reason.code() + ": " + getMessage();
  }
}
