package io.dualign.run;

/** The state of a stage's (or an iteration's) output in a run directory. */
public enum OutputState {
  /** The folder and its {@code _SUCCESS.json} marker exist: the output is complete. */
  COMMITTED,
  /** Something was written but never committed (a killed or failed attempt); it will be replaced. */
  PARTIAL,
  /** Nothing was written. */
  ABSENT
}
