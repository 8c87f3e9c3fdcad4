package io.dualign.algo.caid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.algo.oneshot.SolveDual;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualSettings;
import io.dualign.dual.CaidDualUpdate;
import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.DualProblem;
import io.dualign.dual.InMemoryDualFunction;
import io.dualign.dual.OneShotDualSolver;
import io.dualign.dual.TestSpark;
import io.dualign.run.marker.SolveDualMarker;
import io.dualign.spark.dual.SampleTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact optimality test (zero parametrisation gap): on tabular instances with exact Lagrangian
 * maximisation and exact expectations, CAID's λ converges to the λ* that bisection finds on the
 * convex dual, the constraint holds at the end, and the one-shot solvers (in memory, and the Spark
 * {@code solve-dual} path over the instance written as a weighted samples table) return the same
 * λ*. The samples table carries the exact π_ref through its {@code sample_weight} column.
 */
class ExactOptimalityTest {
  static final int CAID_ITERATIONS = 3000;
  static SparkSession spark;
  static DualSettings defaults;

  @BeforeAll
  static void start() {
    spark = TestSpark.local();
    defaults = ConfigLoader.fromClasspath().defaults().dual();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static final double[][] R = {{1.0, 0.6, 0.2, -0.3}, {0.8, 0.5, 0.1, 0.0}, {1.2, 0.9, 0.4, -0.1}};
  static final double[][] SAFETY = {{-1.0, -0.2, 0.4, 0.9}, {-0.8, 0.1, 0.5, 0.6},
      {-1.2, -0.5, 0.3, 1.0}};
  static final double[][] HONESTY = {{0.3, -0.6, 0.2, -0.1}, {-0.4, 0.5, 0.0, 0.2},
      {0.1, 0.6, -0.5, 0.0}};
  static final double[][] PI_REF = {{0.4, 0.3, 0.2, 0.1}, {0.25, 0.25, 0.25, 0.25},
      {0.1, 0.2, 0.3, 0.4}};

  static double[][][] utilities(double[][]... g) {
    double[][][] u = new double[g[0].length][][];
    for (int x = 0; x < u.length; x++) {
      u[x] = new double[g[0][x].length][g.length];
      for (int k = 0; k < u[x].length; k++) {
        for (int i = 0; i < g.length; i++) {
          u[x][k][i] = g[i][x][k];
        }
      }
    }
    return u;
  }

  static Stream<TabularInstance> instances() {
    Constraint safetyImprove = new Constraint("safety", ConstraintForm.RELATIVE, 0.3);
    return Stream.of(
        // Safety must improve by 0.3 over π_ref; π_0 (λ = 0) makes it worse (slack −1.29).
        new TabularInstance("binding", 0.1, List.of(safetyImprove), PI_REF, R,
            utilities(SAFETY)),
        // A 1.5 loss of safety is allowed: π_0 already satisfies it (slack +0.51), λ* = 0.
        new TabularInstance("inactive", 0.1,
            List.of(new Constraint("safety", ConstraintForm.RELATIVE, -1.5)), PI_REF, R,
            utilities(SAFETY)),
        // A relative and an absolute constraint, both binding.
        new TabularInstance("two", 0.1, List.of(safetyImprove,
            new Constraint("honesty", ConstraintForm.ABSOLUTE, 0.25)), PI_REF, R,
            utilities(SAFETY, HONESTY)),
        // E g ≥ 1.45 while E_ref g = 0.03 and only candidates of π_ref mass 0.01 exceed it
        // (the best achievable is 1.5): infeasible-looking, but feasible.
        new TabularInstance("infeasible-looking", 0.1,
            List.of(new Constraint("safety", ConstraintForm.ABSOLUTE, 1.45)),
            new double[][] {{0.4, 0.3, 0.2, 0.09, 0.01}, {0.25, 0.25, 0.25, 0.24, 0.01},
                {0.1, 0.2, 0.3, 0.39, 0.01}},
            new double[][] {{1.0, 0.6, 0.2, -0.3, -0.5}, {0.8, 0.5, 0.1, 0.0, -0.6},
                {1.2, 0.9, 0.4, -0.1, -0.4}},
            utilities(new double[][] {{-1.0, -0.2, 0.4, 0.9, 1.5}, {-0.8, 0.1, 0.5, 0.6, 1.4},
                {-1.2, -0.5, 0.3, 1.0, 1.6}})));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("instances")
  void caidAndOneShotReachTheDualOptimum(TabularInstance inst, @org.junit.jupiter.api.io.TempDir
      Path tmp) throws Exception {
    int m = inst.m();
    double[] star = inst.lambdaStarByBisection();
    double[] atStar = inst.dualGradient(star);
    for (int i = 0; i < m; i++) {
      // KKT at the bisection answer: slack 0 where λ* > 0, slack ≥ 0 where λ* = 0.
      assertTrue(star[i] > 0 ? Math.abs(atStar[i]) < 1e-9 : atStar[i] >= 0,
          inst.name() + ": KKT of the bisection answer");
    }
    if (inst.name().equals("inactive")) {
      assertEquals(0.0, star[0], 0.0);
    } else {
      for (double s : star) {
        assertTrue(s > 0.1, inst.name() + ": binding constraints have λ* > 0");
      }
    }

    // CAID: exact Lagrangian maximiser, exact evaluator, the default η, from λ(1) = 0.
    double[] caps = new double[m];
    Arrays.fill(caps, defaults.lambdaMaxArray()[0]);
    CaidLoop<TabularInstance.Policy> caid = new CaidLoop<>(
        (previous, lambda, t) -> inst.maximise(lambda), (policy, t) -> inst.evaluate(policy),
        new CaidDualUpdate(defaults.eta(), caps, 0), CAID_ITERATIONS);
    List<CaidIteration<TabularInstance.Policy>> run = caid.run(inst.reference(), new double[m],
        it -> { });
    assertEquals(CAID_ITERATIONS, run.size());
    CaidIteration<TabularInstance.Policy> last = run.get(run.size() - 1);
    double[] caidLambda = last.lambda().lambda();
    ConstraintEstimate finalSlack = inst.evaluate(last.policy());
    for (int i = 0; i < m; i++) {
      double tol = 1e-3 * Math.max(1, star[i]);
      assertEquals(star[i], caidLambda[i], tol, inst.name() + ": CAID λ" + i);
      assertTrue(finalSlack.slack()[i] >= -1e-3, inst.name() + ": constraint " + i
          + " holds within 1e-3, slack " + finalSlack.slack()[i]);
    }

    // One-shot, in memory, both methods.
    DualProblem problem = new DualProblem(inst.beta(), inst.constraints());
    for (OneShotDualSolver.Method method : OneShotDualSolver.Method.values()) {
      OneShotDualSolver.Solution s = OneShotDualSolver.solve(
          new InMemoryDualFunction(problem, inst.samples()),
          new OneShotDualSolver.Options(method, 1e-9, 500, caps, new double[m]));
      assertTrue(s.converged(), inst.name() + " " + method + ": " + s.stopReason());
      for (int i = 0; i < m; i++) {
        assertEquals(star[i], s.lambda()[i], 1e-6 * Math.max(1, star[i]),
            inst.name() + " " + method + " λ" + i);
        assertEquals(atStar[i], s.value().gradient(i), 1e-6, "predicted slack");
      }
    }

    // One-shot through the Spark solve-dual path on the instance as a weighted samples table.
    String samples = tmp.resolve("samples").toString();
    writeSamples(inst, samples);
    DualSettings settings = settingsFor(inst);
    String out = tmp.resolve("solve-dual").toString();
    SolveDualMarker summary = SolveDual.run(spark, settings, samples, out, "test-run");
    Map<String, Double> lambdaStar = summary.lambda();
    Map<String, Double> predicted = summary.predictedSlack();
    Map<String, Long> counts = summary.counts();
    assertEquals(true, summary.converged(), summary.stopReason());
    assertEquals(1L, counts.get("excluded_error"));
    assertEquals(1L, counts.get("excluded_non_finite"));
    assertEquals((long) inst.prompts(), counts.get("prompts"));
    double[] sparkLambda = new double[m];
    for (int i = 0; i < m; i++) {
      String name = inst.constraints().get(i).name();
      sparkLambda[i] = lambdaStar.get(name);
      assertEquals(star[i], sparkLambda[i], 1e-5 * Math.max(1, star[i]),
          inst.name() + " solve-dual λ " + name);
      assertEquals(atStar[i], predicted.get(name), 1e-5, "predicted slack " + name);
    }
    List<Row> lambdaRows = spark.read().parquet(out + "/lambda").orderBy("constraint")
        .collectAsList();
    assertEquals(m, lambdaRows.size());
    long trajectory = spark.read().parquet(out + "/trajectory").count();
    assertEquals(summary.iterations() + 1L, trajectory);

    System.out.printf(Locale.ROOT, "exact-optimality %s: lambda*(bisection)=%s caid(T=%d, eta=%s)=%s "
        + "caid final slack=%s solve-dual(spark)=%s iterations=%s%n", inst.name(),
        Arrays.toString(star), CAID_ITERATIONS, defaults.eta(), Arrays.toString(caidLambda),
        Arrays.toString(finalSlack.slack()), Arrays.toString(sparkLambda),
        summary.iterations());

    // A CAID run warm-started at the one-shot λ* stays there (the paper's T = 4 from λ*).
    List<CaidIteration<TabularInstance.Policy>> warm = caid.run(inst.reference(), sparkLambda,
        it -> { });
    for (CaidIteration<TabularInstance.Policy> it : warm.subList(0, 4)) {
      for (int i = 0; i < m; i++) {
        assertEquals(star[i], it.lambda().lambda(i), 1e-4 * Math.max(1, star[i]));
      }
    }
  }

  static DualSettings settingsFor(TabularInstance inst) {
    List<String> names = new ArrayList<>();
    List<String> forms = new ArrayList<>();
    List<String> thresholds = new ArrayList<>();
    List<String> caps = new ArrayList<>();
    List<String> init = new ArrayList<>();
    for (Constraint c : inst.constraints()) {
      names.add(c.name());
      forms.add(c.form().configName());
      thresholds.add(Double.toString(c.threshold()));
      caps.add("50");
      init.add("0");
    }
    return ConfigLoader.fromClasspath().load("default", null, List.of(
        "dual.constraints=[" + String.join(",", names) + "]",
        "dual.forms=[" + String.join(",", forms) + "]",
        "dual.thresholds=[" + String.join(",", thresholds) + "]",
        "dual.lambdaMax=[" + String.join(",", caps) + "]",
        "dual.lambdaInit=[" + String.join(",", init) + "]",
        "dual.beta=" + inst.beta())).dual();
  }

  /** The candidates as sample rows with weight π_ref, plus one errored and one NaN row. */
  static void writeSamples(TabularInstance inst, String path) {
    List<Row> rows = new ArrayList<>();
    int m = inst.m();
    for (int x = 0; x < inst.prompts(); x++) {
      for (int k = 0; k < inst.piRef()[x].length; k++) {
        Object[] v = new Object[8 + m + 2];
        v[0] = "run";
        v[1] = 0;
        v[2] = "x" + x;
        v[3] = k;
        v[4] = "prompt " + x;
        v[5] = "candidate " + k;
        v[6] = 3;
        v[7] = inst.reward()[x][k];
        for (int i = 0; i < m; i++) {
          v[8 + i] = inst.utility()[x][k][i];
        }
        v[8 + m] = null;
        v[9 + m] = inst.piRef()[x][k];
        rows.add(RowFactory.create(v));
      }
    }
    Object[] errored = new Object[8 + m + 2];
    errored[2] = "x0";
    errored[8 + m] = "scorer timed out";
    errored[9 + m] = 1.0;
    rows.add(RowFactory.create(errored));
    Object[] nan = new Object[8 + m + 2];
    nan[2] = "x1";
    nan[7] = Double.NaN;
    for (int i = 0; i < m; i++) {
      nan[8 + i] = 0.0;
    }
    nan[9 + m] = 1.0;
    rows.add(RowFactory.create(nan));
    spark.createDataFrame(rows, SampleTable.weightedSchema(inst.constraints())).repartition(2)
        .write().parquet(path);
  }
}
