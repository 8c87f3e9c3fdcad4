package io.dualign.run.marker;

/**
 * A {@code MarkerException} is a {@code _SUCCESS.json} marker that cannot be read as its record:
 * not JSON, a required field missing, or a field of the wrong type. The message names the marker
 * file and the field; the command exits with code 2 (the run directory needs a look, or the
 * output redone).
 */
public final class MarkerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final String field;

  public MarkerException(String file, String field, String problem, Throwable cause) {
    super("marker " + file + (field == null ? "" : ": field '" + field + "'") + " " + problem,
        cause);
    this.file = file;
    this.field = field;
  }

  /** The marker file (its path or URI). */
  public String file() {
    return file;
  }

  /** The offending field (a dotted path for a nested one), or null when the file is unreadable. */
  public String field() {
    return field;
  }
}
