package io.dualign.spark;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.sql.SparkSession;

/**
 * An {@code ExecutorProbe} runs a small Spark job whose tasks report, from each executor that
 * runs them, the executor id, host, the task's GPU addresses and whether the DJL PyTorch engine
 * loads there offline and computes. {@code dualign doctor} uses it to check a cluster end to end.
 */
public final class ExecutorProbe {

  /** What one task saw on its executor. */
  public record Report(String executorId, String host, List<String> gpuAddresses,
      String engine, String problem) implements Serializable {
    private static final long serialVersionUID = 1L;

    public boolean ok() {
      return problem == null;
    }
  }

  private ExecutorProbe() {}

  /**
   * Runs {@code tasks} probe tasks and returns one report per task (a few rows: the driver may
   * collect them).
   */
  public static List<Report> run(SparkSession spark, int tasks) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> seeds = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      seeds.add(i);
    }
    jsc.setJobDescription("dualign doctor: probe " + tasks + " tasks");
    return jsc.parallelize(seeds, tasks).mapPartitions(new ProbeFn()).collect();
  }

  /** Distinct executor ids among the reports. */
  public static List<String> executors(List<Report> reports) {
    return reports.stream().map(Report::executorId).distinct().sorted().toList();
  }

  static final class ProbeFn implements FlatMapFunction<Iterator<Integer>, Report> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Report> call(Iterator<Integer> it) {
      while (it.hasNext()) {
        it.next();
      }
      String executorId = SparkEnv.get().executorId();
      String host = SparkEnv.get().blockManager().blockManagerId().host();
      List<String> gpus = gpuAddresses(TaskContext.get());
      String[] engine = checkEngine();
      return List.of(new Report(executorId, host, gpus, engine[0], engine[1])).iterator();
    }
  }

  /**
   * Loads the DJL PyTorch engine in this JVM and computes 1+2+3 with it.
   *
   * @return {description, problem}: problem is null when the engine works
   */
  public static String[] checkEngine() {
    try {
      Engine e = Engine.getEngine("PyTorch");
      try (NDManager m = e.newBaseManager()) {
        NDArray a = m.create(new float[] {1f, 2f, 3f});
        float sum = a.sum().getFloat();
        String desc = "PyTorch " + e.getVersion() + " (DJL " + Engine.getDjlVersion() + ", "
            + e.getGpuCount() + " GPU)";
        return new String[] {desc, sum == 6f ? null : "PyTorch computed 1+2+3 = " + sum};
      }
    } catch (Throwable t) {
      return new String[] {null, "DJL PyTorch engine failed to load: " + t};
    }
  }

  /** The task's Spark "gpu" resource addresses; empty when none were assigned (local mode, CPU). */
  public static List<String> gpuAddresses(TaskContext ctx) {
    if (ctx == null) {
      return List.of();
    }
    Map<String, ResourceInformation> res = new TreeMap<>(ctx.resourcesJMap());
    ResourceInformation gpu = res.get("gpu");
    return gpu == null ? List.of() : List.of(gpu.addresses());
  }
}
