package io.dualign.run.marker;

/**
 * A {@code StageMarker} is the record of one committed output's {@code _SUCCESS.json}: the
 * fields every marker has beside its own. {@code output} and {@code finished} are added when the
 * output commits, {@code started} and {@code seconds} for an output written in one piece (a
 * composite output records its own {@code seconds} or none), {@code tracking} only with MLflow
 * tracking on.
 */
public interface StageMarker {
  /** The output's name below the run directory, e.g. {@code align/caid/iteration-2}. */
  String output();

  /** When it was committed (ISO-8601 instant). */
  String finished();

  /** How long it took, or null when not recorded. */
  Double seconds();

  /** The MLflow tracking status at commit, or null without tracking. */
  Tracking tracking();

  /** The fields its record does not declare (written by a newer dualign), kept for rewrites. */
  java.util.Map<String, Object> other();
}
