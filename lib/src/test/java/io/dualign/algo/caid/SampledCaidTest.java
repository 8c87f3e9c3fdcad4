package io.dualign.algo.caid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.algo.oneshot.SolveDual;
import io.dualign.config.ConfigLoader;
import io.dualign.config.DualSettings;
import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintEstimate;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.TestSpark;
import io.dualign.spark.dual.ConstraintEstimator;
import io.dualign.spark.dual.SampleTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CAID with the data path of the real pipeline and the exact Lagrangian maximiser: the one-shot
 * warm start comes from {@code solve-dual} on K samples per prompt drawn from π_ref, and each
 * dual step uses û from a Spark aggregation over M × K rollouts drawn from the current policy
 * (plain means, not re-weighted), against the reference mean of the same reference samples.
 */
class SampledCaidTest {
  static final int PROMPTS = 40;
  static final int CANDIDATES = 6;
  static final int REF_SAMPLES = 200;
  static final int ROLLOUTS = 64;
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.local();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static TabularInstance randomInstance(Constraint c) {
    Random rnd = new Random(2025);
    double[][] pi = new double[PROMPTS][CANDIDATES];
    double[][] r = new double[PROMPTS][CANDIDATES];
    double[][][] g = new double[PROMPTS][CANDIDATES][1];
    for (int x = 0; x < PROMPTS; x++) {
      double z = 0;
      for (int k = 0; k < CANDIDATES; k++) {
        pi[x][k] = 0.2 + rnd.nextDouble();
        z += pi[x][k];
        r[x][k] = 0.5 * rnd.nextGaussian();
        g[x][k][0] = -0.7 * r[x][k] + 0.4 * rnd.nextGaussian();
      }
      for (int k = 0; k < CANDIDATES; k++) {
        pi[x][k] /= z;
      }
    }
    return new TabularInstance("random", 0.1, List.of(c), pi, r, g);
  }

  /** n draws per prompt from the policy's probabilities, as rows of the sample table contract. */
  static Dataset<Row> draw(TabularInstance inst, double[][] p, int n, long seed, int iteration) {
    Random rnd = new Random(seed);
    List<Row> rows = new ArrayList<>();
    for (int x = 0; x < inst.prompts(); x++) {
      for (int j = 0; j < n; j++) {
        double u = rnd.nextDouble();
        int k = 0;
        double acc = p[x][0];
        while (u > acc && k < p[x].length - 1) {
          acc += p[x][++k];
        }
        rows.add(RowFactory.create("run", iteration, "x" + x, j, "prompt", "candidate " + k, 1,
            inst.reward()[x][k], inst.utility()[x][k][0], null));
      }
    }
    return spark.createDataFrame(rows, SampleTable.schema(inst.constraints()));
  }

  @Test
  void oneShotWarmStartAndSampledDualStepsStayAtTheOptimum(@TempDir Path tmp) {
    Constraint c = new Constraint("safety", ConstraintForm.RELATIVE, 0.2);
    TabularInstance inst = randomInstance(c);
    double star = inst.lambdaStarByBisection()[0];
    assertTrue(star > 0.1, "binding instance, λ* = " + star);

    String refPath = tmp.resolve("samples").toString();
    draw(inst, inst.piRef(), REF_SAMPLES, 1, 0).write().parquet(refPath);
    Dataset<Row> reference = spark.read().schema(SampleTable.schema(inst.constraints()))
        .parquet(refPath).cache();
    DualSettings settings = ConfigLoader.fromClasspath().load("default", null,
        List.of("dual.thresholds=[0.2]")).dual();
    double oneShot = SolveDual.run(spark, settings, refPath,
        tmp.resolve("solve-dual").toString(), "run").lambda().get("safety");
    // The sampled one-shot λ* carries sampling error (and the bias of peaked weights) only.
    assertEquals(star, oneShot, 0.15 * star, "one-shot λ* from 200 samples per prompt");

    List<double[]> trace = new ArrayList<>();
    CaidLoop<TabularInstance.Policy> caid = new CaidLoop<>(
        (prev, lambda, t) -> inst.maximise(lambda),
        (policy, t) -> {
          ConstraintEstimate e = ConstraintEstimator.estimate(
              draw(inst, policy.probabilities(), ROLLOUTS, 100 + t, t), reference,
              inst.constraints());
          trace.add(new double[] {e.slack()[0], e.standardError()[0]});
          return e;
        },
        settings.caidUpdate(), 4);
    List<CaidIteration<TabularInstance.Policy>> run = caid.run(inst.reference(),
        new double[] {oneShot}, it -> { });
    for (CaidIteration<TabularInstance.Policy> it : run) {
      assertTrue(Double.isFinite(it.lambda().lambda(0)) && it.lambda().lambda(0) >= 0);
      if (it.nextLambda() != null) {
        assertEquals(Math.max(0, it.lambda().lambda(0) - settings.eta() * it.estimate().slack()[0]),
            it.nextLambda().lambda(0), 1e-15, "λ(t+1) = clamp(λ(t) − η·û(t))");
        assertEquals(ROLLOUTS * PROMPTS, it.estimate().get(0).policy().count());
      }
    }
    // The final policy meets the constraint within 2 standard errors of a fresh rollout estimate.
    ConstraintEstimate last = ConstraintEstimator.estimate(
        draw(inst, run.get(3).policy().probabilities(), ROLLOUTS, 999, 4), reference,
        inst.constraints());
    assertTrue(last.slack()[0] >= -2 * last.standardError()[0],
        "final slack " + last.slack()[0] + " ± " + last.standardError()[0]);
    // Exactly, the final policy's slack is as small as λ's distance from λ* allows.
    double exactSlack = inst.evaluate(run.get(3).policy()).slack()[0];
    assertTrue(Math.abs(exactSlack) < 0.05, "exact final slack " + exactSlack);

    // From λ = 0 the constraint is violated and the dual step raises λ.
    List<CaidIteration<TabularInstance.Policy>> cold = caid.run(inst.reference(),
        new double[] {0.0}, it -> { });
    assertTrue(cold.get(0).estimate().slack()[0] < 0);
    assertTrue(cold.get(0).nextLambda().lambda(0) > 0);
    System.out.printf(Locale.ROOT, "sampled-caid: lambda*=%.5f one-shot(200/prompt)=%.5f "
        + "caid lambdas=%s slack(t)±se=%s final exact slack=%.5f%n", star, oneShot,
        run.stream().map(i -> String.format(Locale.ROOT, "%.5f", i.lambda().lambda(0))).toList(),
        trace.subList(0, 3).stream().map(a -> String.format(Locale.ROOT, "%.4f±%.4f", a[0], a[1]))
            .toList(), exactSlack);
  }
}
