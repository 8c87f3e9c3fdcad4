package io.dualign.jobs;

import io.dualign.config.DualignConfig;
import io.dualign.run.RunDirectory;
import io.dualign.spark.ExecutorProbe;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code doctor} checks what a run needs, one OK/FAIL line each: Java, offline mode, the DJL
 * PyTorch engine and its natives on the driver, GPUs, each configured model (format,
 * architecture, parameters, weight type and memory; {@link ModelReport}), Spark, every executor
 * (a probe job that loads the engine where tasks run and reports their GPU addresses), and the
 * run directory.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    description = "Check Java, Spark, the DJL engine (offline), GPUs, executors and the run "
        + "directory; exit 1 on any FAIL.")
final class DoctorCommand implements Callable<Integer> {
  @Mixin CommonOptions options;
  @Spec CommandSpec spec;

  private int failures;
  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    DualignConfig config = options.loadConfig();
    check("config", true, "profile " + config.profile() + ", " + config.values().size() + " keys valid");

    int javaFeature = Runtime.version().feature();
    check("java", javaFeature >= 17, System.getProperty("java.version") + " ("
        + System.getProperty("java.vendor") + ")" + (javaFeature >= 17 ? "" : "; need 17 or newer"));

    boolean offline = "true".equals(System.getProperty("ai.djl.offline"));
    check("offline", offline, offline ? "ai.djl.offline=true: nothing is downloaded at run time"
        : "set -Dai.djl.offline=true (jobs/bin/dualign does; on a cluster set it in "
            + "spark.driver/executor.extraJavaOptions)");

    String[] engine = ExecutorProbe.checkEngine();
    check("djl", engine[1] == null, engine[1] == null ? engine[0] + ", natives loaded offline"
        : engine[1]);
    if (engine[1] == null) {
      int gpus = ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
      check("gpu", true, gpus + " visible to DJL on the driver" + (gpus == 0 ? " (CPU)" : ""));
    }

    io.dualign.config.ModelSettings ms = config.model();
    for (String[] m : new String[][] {{"policy", ms.policy()}, {"reward", ms.reward()},
        {"cost", ms.cost()}}) {
      ModelReport r = ModelReport.of("model." + m[0], m[1], ms, new Configuration());
      check("model." + m[0], r.problem() == null, r.problem() == null ? r.detail()
          : r.detail() + ": " + r.problem());
    }

    try (StageContext ctx = new StageContext(config, options.runDir, "dualign doctor")) {
      SparkSession spark = ctx.spark();
      check("spark", true, spark.version() + " (Scala " + scala.util.Properties.versionNumberString()
          + "), master " + spark.sparkContext().master());
      int tasks = Math.max(4, 2 * spark.sparkContext().defaultParallelism());
      List<ExecutorProbe.Report> reports = ExecutorProbe.run(spark, tasks);
      List<String> executors = ExecutorProbe.executors(reports);
      List<ExecutorProbe.Report> bad = reports.stream().filter(r -> !r.ok()).toList();
      check("executors", bad.isEmpty(), executors.size() + " answered " + tasks + " probe tasks"
          + (bad.isEmpty() ? "; DJL PyTorch loads and computes on each" : "; " + bad.get(0).problem()));
      for (String id : executors) {
        List<ExecutorProbe.Report> mine = reports.stream()
            .filter(r -> r.executorId().equals(id)).toList();
        List<String> gpus = mine.stream().flatMap(r -> r.gpuAddresses().stream())
            .distinct().sorted().toList();
        ExecutorProbe.Report first = mine.get(0);
        out.printf("      executor %s on %s: %d tasks, gpu addresses %s, %s%n", id, first.host(),
            mine.size(), gpus.isEmpty() ? "none (CPU)" : gpus, first.ok() ? first.engine()
                : first.problem());
      }
      checkMemoryPlan(config, spark);
      checkRunDir(spark.sparkContext().hadoopConfiguration());
    }
    out.println(failures == 0 ? "doctor: all OK" : "doctor: " + failures + " FAIL");
    return failures == 0 ? Dualign.OK : Dualign.FAILURE;
  }

  /**
   * The memory plan of every planned stage for a configured Hugging Face policy, against the
   * memory a task has ({@link MemoryCheck}).
   */
  private void checkMemoryPlan(DualignConfig config, SparkSession spark) {
    String policy = config.model().policy();
    java.util.Optional<io.dualign.model.hf.HfConfig> hc;
    try {
      hc = MemoryCheck.policyConfig(policy.isBlank() ? java.util.Optional.empty()
          : java.util.Optional.of(policy), spark.sparkContext().hadoopConfiguration());
    } catch (java.io.IOException | RuntimeException e) {
      return; // the model.policy line already says what is wrong
    }
    if (hc.isEmpty()) {
      return;
    }
    long limit = MemoryCheck.taskMemory(config, spark.sparkContext().getConf());
    boolean gpu = spark.sparkContext().getConf().getDouble("spark.task.resource.gpu.amount", 0)
        > 0;
    for (io.dualign.vocabulary.Stage stage : io.dualign.vocabulary.Stage.values()) {
      for (MemoryCheck.Plan p : MemoryCheck.plans(config, stage, hc.get(), gpu, limit)) {
        boolean fits = p.estimate().total() <= limit;
        check("memory " + stage.cliName(), fits, p.work() + " needs " + p.estimate().describe()
            + " of " + io.dualign.model.MemoryPlan.gb(limit) + (fits || p.fix() == null ? ""
                : "; " + p.fix()));
      }
    }
  }

  private void checkRunDir(Configuration hadoop) throws java.io.IOException {
    RunDirectory dir = RunDirectory.open(options.runDir, hadoop);
    boolean existed = dir.fs().exists(dir.root());
    String problem = dir.writableProblem();
    if (!existed && problem == null) {
      dir.fs().delete(dir.root(), true);
    }
    check("run-dir", problem == null, dir.root() + (problem == null ? " is writable" : ": " + problem));
  }

  private void check(String what, boolean ok, String detail) {
    if (!ok) {
      failures++;
    }
    out.printf("%-4s  %-9s %s%n", ok ? "OK" : "FAIL", what, detail);
    out.flush();
  }
}
