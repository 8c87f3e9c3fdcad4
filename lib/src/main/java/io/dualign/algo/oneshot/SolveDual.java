package io.dualign.algo.oneshot;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.dualign.config.DualSettings;
import io.dualign.dual.Constraint;
import io.dualign.dual.DualProblem;
import io.dualign.dual.OneShotDualSolver;
import io.dualign.dual.SamplesRejectedException;
import io.dualign.run.marker.SolveDualMarker;
import io.dualign.spark.dual.ConstraintEstimator;
import io.dualign.spark.dual.SampleTable;
import io.dualign.spark.dual.SparkDualFunction;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SolveDual} is the work of the {@code solve-dual} stage (one-shot dual, MoCAN): it reads
 * the reference samples, leaves out rows with an error or a non-finite score (counted), minimises
 * D(λ) with the per-prompt terms computed on the executors, and writes the trajectory and λ*.
 *
 * <p>Outputs under the stage folder: {@code trajectory} (parquet: run_id, step,
 * lambda_&lt;name&gt;, gradient_&lt;name&gt;, dual_value, gradient_norm, step_size) and
 * {@code lambda} (parquet: run_id, constraint, form, threshold, lambda, predicted_slack, at_cap;
 * one row per constraint). The returned summary
 * becomes {@code _SUCCESS.json}.
 */
public final class SolveDual {
  private static final Logger LOG = LoggerFactory.getLogger(SolveDual.class);
  /** Fewer samples per prompt than this bias λ* (use about 100 or more; docs/algorithms.md). */
  public static final int FEW_SAMPLES_PER_PROMPT = 100;

  private SolveDual() {}

  /**
   * Solves the one-shot dual on the samples at {@code samplesPath} and writes the outputs under
   * {@code outputDir}.
   *
   * @return the marker of {@code solve-dual} as made here (without the fields its commit adds)
   * @throws SamplesRejectedException when a contract column is missing or no row is usable
   */
  public static SolveDualMarker run(SparkSession spark, DualSettings settings,
      String samplesPath, String outputDir, String runId) {
    List<Constraint> constraints = settings.constraints();
    StructType fileSchema = spark.read().parquet(samplesPath).schema();
    boolean weighted = checkColumns(fileSchema, constraints, samplesPath);
    StructType pinned = weighted ? SampleTable.weightedSchema(constraints)
        : SampleTable.schema(constraints);
    Dataset<Row> samples = spark.read().schema(pinned).parquet(samplesPath);

    Column usable = col(SampleTable.PROMPT_ID).isNotNull()
        .and(ConstraintEstimator.finite(col(SampleTable.REWARD)));
    for (Constraint c : constraints) {
      usable = usable.and(ConstraintEstimator.finite(col(c.column())));
    }
    if (weighted) {
      usable = usable.and(ConstraintEstimator.finite(col(SampleTable.WEIGHT)))
          .and(col(SampleTable.WEIGHT).geq(0));
    }
    Column hasError = col(SampleTable.ERROR).isNotNull();
    Row counts = samples.agg(count(lit(1)), count(when(hasError, lit(1))),
        count(when(not(hasError).and(not(usable)), lit(1)))).first();
    long rows = counts.getLong(0);
    long errors = counts.getLong(1);
    long nonFinite = counts.getLong(2);
    Dataset<Row> clean = samples.filter(not(hasError).and(usable));
    Row perPrompt = clean.groupBy(col(SampleTable.PROMPT_ID)).count()
        .agg(count(lit(1)), min(col("count")), max(col("count"))).first();
    long prompts = perPrompt.getLong(0);
    Map<String, Long> countMap = new LinkedHashMap<>();
    countMap.put("rows", rows);
    countMap.put("excluded_error", errors);
    countMap.put("excluded_non_finite", nonFinite);
    countMap.put("samples", rows - errors - nonFinite);
    countMap.put("prompts", prompts);
    countMap.put("samples_per_prompt_min", perPrompt.isNullAt(1) ? 0L : perPrompt.getLong(1));
    countMap.put("samples_per_prompt_max", perPrompt.isNullAt(2) ? 0L : perPrompt.getLong(2));
    LOG.info("solve-dual: {} sample rows, {} with an error, {} with a non-finite score, {} prompts",
        rows, errors, nonFinite, prompts);
    if (prompts == 0) {
      throw new SamplesRejectedException(String.format(Locale.ROOT,
          "no usable reference sample in %s: %d rows, %d with an error, %d with a non-finite "
              + "score", samplesPath, rows, errors, nonFinite));
    }
    if (!weighted && !perPrompt.isNullAt(1) && perPrompt.getLong(1) < FEW_SAMPLES_PER_PROMPT) {
      LOG.warn("solve-dual: as few as {} samples per prompt; with beta = {} the weights are peaked "
          + "and lambda* comes out biased (conservative) below about {} samples per prompt",
          perPrompt.getLong(1), settings.beta(), FEW_SAMPLES_PER_PROMPT);
    }

    DualProblem problem = new DualProblem(settings.beta(), constraints);
    OneShotDualSolver.Solution solution;
    int partitions = spark.sparkContext().defaultParallelism();
    try (SparkDualFunction f = SparkDualFunction.prepare(clean, problem, SampleTable.PROMPT_ID,
        SampleTable.REWARD, constraints.stream().map(Constraint::column).toList(),
        weighted ? SampleTable.WEIGHT : null, partitions)) {
      solution = OneShotDualSolver.solve(f, settings.oneShotOptions(),
          st -> LOG.info("solve-dual: step {} λ = {} D = {} projected gradient = {} (step size {})",
              st.step(), Arrays.toString(st.lambda()), st.value(), st.projectedGradientNorm(),
              st.stepSize()));
    }
    LOG.info("solve-dual: λ* = {} after {} iterations ({})", Arrays.toString(solution.lambda()),
        solution.iterations(), solution.stopReason());

    for (int i = 0; i < constraints.size(); i++) {
      if (solution.atCap(i, settings.lambdaMaxArray())) {
        LOG.warn("solve-dual: λ of constraint {} stopped at its cap dual.lambdaMax = {} with "
            + "predicted slack {}: the constraint looks infeasible on these samples",
            constraints.get(i).name(), settings.lambdaMaxArray()[i],
            solution.value().gradient(i));
      }
    }
    writeTrajectory(spark, constraints, solution, outputDir + "/trajectory", runId);
    writeLambda(spark, settings, solution, outputDir + "/lambda", runId);
    return marker(settings, solution, countMap, weighted, runId, samplesPath);
  }

  /** Checks the contract columns and their types; returns whether the weight column is present. */
  static boolean checkColumns(StructType schema, List<Constraint> constraints, String path) {
    Map<String, DataType> need = new LinkedHashMap<>();
    need.put(SampleTable.PROMPT_ID, DataTypes.StringType);
    need.put(SampleTable.REWARD, DataTypes.DoubleType);
    for (Constraint c : constraints) {
      need.put(c.column(), DataTypes.DoubleType);
    }
    need.put(SampleTable.ERROR, DataTypes.StringType);
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, DataType> e : need.entrySet()) {
      if (!Arrays.asList(schema.fieldNames()).contains(e.getKey())) {
        problems.add("column " + e.getKey() + " is missing");
      } else if (!schema.apply(e.getKey()).dataType().equals(e.getValue())) {
        problems.add("column " + e.getKey() + " is " + schema.apply(e.getKey()).dataType()
            .simpleString() + ", expected " + e.getValue().simpleString());
      }
    }
    boolean weighted = Arrays.asList(schema.fieldNames()).contains(SampleTable.WEIGHT);
    if (weighted && !schema.apply(SampleTable.WEIGHT).dataType().equals(DataTypes.DoubleType)) {
      problems.add("column " + SampleTable.WEIGHT + " is "
          + schema.apply(SampleTable.WEIGHT).dataType().simpleString() + ", expected double");
    }
    if (!problems.isEmpty()) {
      throw new SamplesRejectedException("samples " + path + " do not follow the sample table "
          + "contract: " + String.join("; ", problems) + " (columns: "
          + String.join(", ", schema.fieldNames()) + ")");
    }
    return weighted;
  }

  private static void writeTrajectory(SparkSession spark, List<Constraint> constraints,
      OneShotDualSolver.Solution s, String path, String runId) {
    List<StructField> f = new ArrayList<>();
    f.add(DataTypes.createStructField("run_id", DataTypes.StringType, false));
    f.add(DataTypes.createStructField("step", DataTypes.IntegerType, false));
    for (Constraint c : constraints) {
      f.add(DataTypes.createStructField("lambda_" + c.name(), DataTypes.DoubleType, false));
    }
    for (Constraint c : constraints) {
      f.add(DataTypes.createStructField("gradient_" + c.name(), DataTypes.DoubleType, false));
    }
    f.add(DataTypes.createStructField("dual_value", DataTypes.DoubleType, false));
    f.add(DataTypes.createStructField("gradient_norm", DataTypes.DoubleType, false));
    f.add(DataTypes.createStructField("step_size", DataTypes.DoubleType, false));
    List<Row> rows = new ArrayList<>();
    for (OneShotDualSolver.Step st : s.trajectory()) {
      List<Object> v = new ArrayList<>();
      v.add(runId);
      v.add(st.step());
      for (double l : st.lambda()) {
        v.add(l);
      }
      for (double g : st.gradient()) {
        v.add(g);
      }
      v.add(st.value());
      v.add(st.projectedGradientNorm());
      v.add(st.stepSize());
      rows.add(RowFactory.create(v.toArray()));
    }
    spark.createDataFrame(rows, DataTypes.createStructType(f)).coalesce(1).write().parquet(path);
  }

  private static void writeLambda(SparkSession spark, DualSettings settings,
      OneShotDualSolver.Solution s, String path, String runId) {
    StructType schema = DataTypes.createStructType(List.of(
        DataTypes.createStructField("run_id", DataTypes.StringType, false),
        DataTypes.createStructField("constraint", DataTypes.StringType, false),
        DataTypes.createStructField("form", DataTypes.StringType, false),
        DataTypes.createStructField("threshold", DataTypes.DoubleType, false),
        DataTypes.createStructField("lambda", DataTypes.DoubleType, false),
        DataTypes.createStructField("predicted_slack", DataTypes.DoubleType, false),
        DataTypes.createStructField("at_cap", DataTypes.BooleanType, false)));
    List<Row> rows = new ArrayList<>();
    double[] caps = settings.lambdaMaxArray();
    for (int i = 0; i < settings.size(); i++) {
      Constraint c = settings.constraints().get(i);
      rows.add(RowFactory.create(runId, c.name(), c.form().configName(), c.threshold(), s.lambda()[i],
          s.value().gradient(i), s.atCap(i, caps)));
    }
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
  }

  private static SolveDualMarker marker(DualSettings settings, OneShotDualSolver.Solution s,
      Map<String, Long> counts, boolean weighted, String runId, String input) {
    Map<String, Double> lambda = new LinkedHashMap<>();
    Map<String, Double> predicted = new LinkedHashMap<>();
    Map<String, Boolean> atCap = new LinkedHashMap<>();
    List<Map<String, Object>> cons = new ArrayList<>();
    double[] caps = settings.lambdaMaxArray();
    for (int i = 0; i < settings.size(); i++) {
      Constraint c = settings.constraints().get(i);
      lambda.put(c.name(), s.lambda()[i]);
      predicted.put(c.name(), s.value().gradient(i));
      atCap.put(c.name(), s.atCap(i, caps));
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("name", c.name());
      cm.put("form", c.form().configName());
      cm.put("threshold", c.threshold());
      cm.put("lambda_max", caps[i]);
      cons.add(cm);
    }
    double curvature = OneShotDualSolver.largestEigenvalue(s.value().hessian());
    return new SolveDualMarker(runId, input, lambda, s.value().value(), predicted, atCap,
        s.iterations(), s.evaluations(), s.converged(), s.stopReason(),
        Arrays.stream(s.value().hessian()).map(r -> Arrays.stream(r).boxed().toList()).toList(),
        curvature > 0 ? 1.0 / curvature : null,
        settings.oneShotMethod().name().toLowerCase(Locale.ROOT), settings.oneShotTolerance(),
        settings.oneShotMaxIterations(), settings.beta(), cons, counts, weighted, null, null,
        null, null, null, null);
  }
}
