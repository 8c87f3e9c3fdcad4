package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.DualProblem;
import io.dualign.dual.InMemoryDualFunction;
import io.dualign.dual.OneShotDualSolver;
import io.dualign.dual.PromptSamples;
import io.dualign.dual.TestSpark;
import io.dualign.run.Json;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.spark.dual.SampleTable;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code solve-dual} stage end to end through the {@code dualign} command: it refuses to run
 * before {@code sample-ref}, solves on a samples table the test writes with Spark (the contract
 * of {@code sample-ref/samples}, bad rows included), agrees with the in-memory solver, writes the
 * trajectory, λ* and its marker, skips when committed, and rejects tables that break the contract.
 */
class SolveDualJobTest {
  static final String[] SETS = {"--master", "local[2]", "--set", "dual.thresholds=[0.5]"};
  static final int PROMPTS = 24;
  static final int K = 40;

  @BeforeAll
  static void localSpark() {
    System.setProperty("spark.driver.host", "127.0.0.1");
    System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    System.setProperty("spark.ui.enabled", "false");
    System.setProperty("spark.sql.shuffle.partitions", "4");
  }

  record Result(int code, String out, String err) {}

  static Result dualign(Path runDir, String... extra) {
    List<String> args = new ArrayList<>(List.of("solve-dual", "--run-dir", runDir.toString()));
    args.addAll(List.of(SETS));
    args.addAll(List.of(extra));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true),
        args.toArray(new String[0]));
    return new Result(code, out.toString(), err.toString());
  }

  /** Writes {@code rows} as the committed sample-ref output of the run. */
  static void commitSampleRef(Path runDir, List<Row> rows, StructType schema) {
    SparkSession spark = TestSpark.local();
    try {
      RunDirectory dir = RunDirectory.open(runDir.toString(), new Configuration());
      PendingOutput out = dir.begin("sample-ref");
      spark.createDataFrame(rows, schema).repartition(3).write().parquet(out.uri("samples"));
      out.commit(Map.of("rows", rows.size()));
    } finally {
      spark.stop();
    }
  }

  static Constraint safety() {
    return new Constraint("safety", ConstraintForm.RELATIVE, 0.5);
  }

  @Test
  void solvesTheDualOfTheReferenceSamples(@TempDir Path tmp) throws Exception {
    Path runDir = tmp.resolve("run");
    Result before = dualign(runDir);
    assertEquals(Dualign.USAGE, before.code(), before.err());
    assertTrue(before.err().contains("needs the committed output of sample-ref"), before.err());

    Random rnd = new Random(17);
    List<Row> rows = new ArrayList<>();
    List<PromptSamples> expected = new ArrayList<>();
    for (int x = 0; x < PROMPTS; x++) {
      double[] r = new double[K];
      double[][] g = new double[K][1];
      for (int k = 0; k < K; k++) {
        r[k] = 0.3 * rnd.nextGaussian();
        g[k][0] = -0.8 * r[k] + 0.3 * rnd.nextGaussian(); // safety = −cost falls as reward rises
        rows.add(RowFactory.create("run", 0, "p" + x, k, "prompt " + x, "response " + k, 5,
            r[k], g[k][0], null));
      }
      expected.add(PromptSamples.unweighted("p" + x, r, g));
    }
    rows.add(RowFactory.create("run", 0, "p0", K, "prompt 0", "", 0, null, null, "sampling failed"));
    rows.add(RowFactory.create("run", 0, "p1", K, "prompt 1", "r", 2, 1.0,
        Double.POSITIVE_INFINITY, null));
    rows.add(RowFactory.create("run", 0, "p2", K, "prompt 2", "r", 2, Double.NaN, 0.0, null));
    commitSampleRef(runDir, rows, SampleTable.schema(List.of(safety())));

    Result solved = dualign(runDir);
    assertEquals(Dualign.OK, solved.code(), solved.err());
    assertTrue(solved.out().contains("solve-dual: committed"), solved.out());

    Map<String, Object> marker = Json.readMap(
        Files.readAllBytes(runDir.resolve("solve-dual").resolve("_SUCCESS.json")));
    DualignConfig config = ConfigLoader.fromClasspath().load("default", null,
        List.of("dual.thresholds=[0.5]"));
    OneShotDualSolver.Solution reference = OneShotDualSolver.solve(new InMemoryDualFunction(
        new DualProblem(config.dual().beta(), config.dual().constraints()), expected),
        config.dual().oneShotOptions());
    double lambda = ((Number) ((Map<?, ?>) marker.get("lambda")).get("safety")).doubleValue();
    assertTrue(reference.lambda()[0] > 0.1, "the constraint binds on these samples");
    assertEquals(reference.lambda()[0], lambda, 1e-9);
    assertEquals(reference.value().value(), ((Number) marker.get("dual_value")).doubleValue(),
        1e-9);
    double predicted = ((Number) ((Map<?, ?>) marker.get("predicted_slack")).get("safety"))
        .doubleValue();
    assertEquals(0.0, predicted, 1e-6, "a binding constraint is met exactly by π_λ*");
    assertEquals(true, marker.get("converged"));
    Map<?, ?> counts = (Map<?, ?>) marker.get("counts");
    assertEquals(PROMPTS * K + 3, ((Number) counts.get("rows")).intValue());
    assertEquals(1, ((Number) counts.get("excluded_error")).intValue());
    assertEquals(2, ((Number) counts.get("excluded_non_finite")).intValue());
    assertEquals(PROMPTS, ((Number) counts.get("prompts")).intValue());
    assertEquals(K, ((Number) counts.get("samples_per_prompt_min")).intValue());
    assertTrue(((Number) marker.get("newton_eta")).doubleValue() > 0);
    assertEquals(marker.get("run_id"), readManifestRunId(runDir));

    SparkSession spark = TestSpark.local();
    try {
      List<Row> traj = spark.read().parquet(runDir.resolve("solve-dual/trajectory").toString())
          .orderBy("step").collectAsList();
      int iterations = ((Number) marker.get("iterations")).intValue();
      assertEquals(iterations + 1, traj.size());
      Row last = traj.get(traj.size() - 1);
      assertEquals(lambda, last.getDouble(last.fieldIndex("lambda_safety")), 0.0);
      assertEquals(0.0, traj.get(0).getDouble(traj.get(0).fieldIndex("lambda_safety")), 0.0);
      assertTrue(last.getDouble(last.fieldIndex("gradient_norm")) <= 1e-7);
      Row star = spark.read().parquet(runDir.resolve("solve-dual/lambda").toString()).first();
      assertEquals("safety", star.getString(star.fieldIndex("constraint")));
      assertEquals(lambda, star.getDouble(star.fieldIndex("lambda")), 0.0);
      assertEquals(false, star.getBoolean(star.fieldIndex("at_cap")));
    } finally {
      spark.stop();
    }

    Result again = dualign(runDir);
    assertEquals(Dualign.OK, again.code(), again.err());
    assertTrue(again.out().contains("already committed"), again.out());
  }

  @Test
  void rejectsSamplesThatBreakTheContract(@TempDir Path tmp) {
    Path runDir = tmp.resolve("run");
    assertEquals(Dualign.USAGE, dualign(runDir).code()); // writes the manifest
    Constraint other = new Constraint("harm", ConstraintForm.RELATIVE, 0.0);
    commitSampleRef(runDir, List.of(RowFactory.create("run", 0, "p", 0, "x", "y", 1, 1.0, 1.0,
        null)), SampleTable.schema(List.of(other)));
    Result r = dualign(runDir);
    assertEquals(Dualign.DATA_REJECTED, r.code(), r.err());
    assertTrue(r.err().contains("column utility_safety is missing"), r.err());
  }

  @Test
  void rejectsATableWithNoUsableRow(@TempDir Path tmp) {
    Path runDir = tmp.resolve("run");
    assertEquals(Dualign.USAGE, dualign(runDir).code());
    commitSampleRef(runDir, List.of(
        RowFactory.create("run", 0, "p", 0, "x", "y", 1, null, null, "scorer failed"),
        RowFactory.create("run", 0, "p", 1, "x", "y", 1, 1.0, Double.NaN, null)),
        SampleTable.schema(List.of(safety())));
    Result r = dualign(runDir);
    assertEquals(Dualign.DATA_REJECTED, r.code(), r.err());
    assertTrue(r.err().contains("2 rows, 1 with an error, 1 with a non-finite score"), r.err());
  }

  private static Object readManifestRunId(Path runDir) throws Exception {
    return Json.readMap(Files.readAllBytes(runDir.resolve("manifest.json"))).get("run_id");
  }
}
