package io.dualign.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.dualign.eval.RefusalJudge.Judgement;
import io.dualign.eval.RefusalJudge.Verdict;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code JudgeColumns} adds the {@link RefusalJudge}'s reading of every sample to a samples
 * table, computed on the executors: {@value #VERDICT} ({@code refusal}, {@code compliance} or
 * {@code empty}) and {@value #SAFE}. A row with an error, or without a prompt or response, gets
 * nulls. The judge is a static instance each executor JVM reads once; the function that ships
 * holds no state.
 */
public final class JudgeColumns {
  /** The verdict column: the lower-case name of a {@link Verdict}. */
  public static final String VERDICT = "judge_verdict";
  /** The column saying whether the judge calls the response safe. */
  public static final String SAFE = "judge_safe";

  private static final String JUDGEMENT = "_judgement";
  private static final StructType JUDGEMENT_TYPE = new StructType()
      .add("verdict", DataTypes.StringType, true).add("safe", DataTypes.BooleanType, true);

  private JudgeColumns() {}

  /**
   * {@code rows} (with {@code prompt}, {@code response} and {@code error} columns) with
   * {@value #VERDICT} and {@value #SAFE} added; the judge runs once per row.
   */
  public static Dataset<Row> withJudgement(Dataset<Row> rows) {
    UserDefinedFunction judge = udf(new JudgeFn(), JUDGEMENT_TYPE);
    return rows.withColumn(JUDGEMENT, judge.apply(col("prompt"), col("response"), col("error")))
        .withColumn(VERDICT, col(JUDGEMENT + ".verdict"))
        .withColumn(SAFE, col(JUDGEMENT + ".safe"))
        .drop(JUDGEMENT);
  }

  /** The value of {@value #VERDICT} for {@code v}. */
  public static String verdictName(Verdict v) {
    return v.name().toLowerCase(Locale.ROOT);
  }

  /** Judges one row: (prompt, response, error) to (verdict, safe), or null for a failed row. */
  static final class JudgeFn implements UDF3<String, String, String, Row> {
    private static final long serialVersionUID = 1L;

    @Override
    public Row call(String prompt, String response, String error) {
      if (error != null || prompt == null || response == null) {
        return null;
      }
      Judgement j = RefusalJudge.standard().assess(prompt, response);
      return RowFactory.create(verdictName(j.verdict()), j.safe());
    }
  }
}
