package io.dualign.run;

import java.math.BigDecimal;
import java.util.function.UnaryOperator;

/**
 * {@code SweepLayout} is where the threshold sweep keeps its outputs: for each b of
 * {@code dual.sweep} a folder {@code sweep/b=<b>/} holding that b's {@code solve-dual},
 * {@code align/<method>/...} and {@code evaluate} (the same outputs, with the same layout, as the
 * run's own single-b stages), committed with its own marker when all three are; and the frontier
 * table {@code sweep/summary}. Everything else a b reads (prepare, the models, sample-ref, score,
 * the reference log-probabilities {@code align/reference}) is the run's own, shared by every b.
 */
public final class SweepLayout {
  /** The sweep stage's folder. */
  public static final String STAGE = "sweep";
  /** The frontier table (parquet, {@code io.dualign.eval.SweepTable}) below the stage folder. */
  public static final String SUMMARY = STAGE + "/summary";

  private SweepLayout() {}

  /**
   * The folder of one b: {@code sweep/b=<b>} with b in its shortest plain decimal form
   * ({@code 0}, {@code 0.5}, {@code -1.25}, {@code 3}), so 0.5 and 0.50 share a folder.
   */
  public static String folder(double b) {
    if (!Double.isFinite(b)) {
      throw new IllegalArgumentException("a sweep threshold must be finite, was " + b);
    }
    return STAGE + "/b=" + BigDecimal.valueOf(b).stripTrailingZeros().toPlainString();
  }

  /** Whether an output depends on the threshold (and so moves below {@code sweep/b=<b>}). */
  public static boolean perThreshold(String output) {
    String stage = output.contains("/") ? output.substring(0, output.indexOf('/')) : output;
    return switch (stage) {
      case "solve-dual", "evaluate" -> true;
      case "align" -> !output.equals("align/reference") && !output.startsWith("align/reference/");
      default -> false;
    };
  }

  /** The placement of a b's run-directory view ({@link RunDirectory#placing}). */
  public static UnaryOperator<String> placement(double b) {
    String folder = folder(b);
    return output -> perThreshold(output) ? folder + "/" + output : output;
  }
}
