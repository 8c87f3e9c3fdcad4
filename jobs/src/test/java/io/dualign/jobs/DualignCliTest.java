package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.run.PendingOutput;
import io.dualign.run.RunDirectory;
import io.dualign.run.Versions;
import io.dualign.vocabulary.Stage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code dualign} command line as a user meets it: help, exit codes, options; {@link
 * #dualign} runs one command in this JVM for other packages' command tests too.
 */
public class DualignCliTest {

  /** Exit code and both streams of one command. */
  public record Run(int code, String out, String err) {}

  /** Runs {@code dualign args...} in this JVM and returns its exit code and output. */
  public static Run dualign(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void helpListsEveryStageOfTheDesign() {
    Run r = dualign("--help");
    assertEquals(0, r.code());
    for (String name : List.of("doctor", "prepare", "sft", "train-reward", "train-cost",
        "sample-ref", "score", "solve-dual", "align", "evaluate", "report", "pipeline", "demo",
        "status", "bench", "generate", "fetch-model")) {
      assertTrue(r.out().contains("\n  " + name + " "), () -> name + " missing in:\n" + r.out());
    }
    assertTrue(r.out().contains("Exit codes: 0 done, 2 usage or configuration error, 3 input data"));
  }

  @Test
  void everySubcommandHasHelpWithTheCommonOptions() {
    for (String name : Dualign.commandLine().getSubcommands().keySet()) {
      Run r = dualign(name, "--help");
      assertEquals(0, r.code(), name);
      assertTrue(r.out().startsWith("Usage: dualign " + name), () -> r.out());
      if (name.equals("fetch-model")) { // installs a model into the cache: no run, no config
        continue;
      }
      assertTrue(r.out().contains("--run-dir"), () -> name + ":\n" + r.out());
      if (!name.equals("status")) {
        for (String opt : List.of("--config", "--set", "--master", "--profile")) {
          assertTrue(r.out().contains(opt), () -> name + " lacks " + opt + ":\n" + r.out());
        }
      }
    }
  }

  @Test
  void aBadLocationInTheConfigIsExit2BeforeAnythingRuns(@TempDir Path tmp) throws Exception {
    Path run = tmp.resolve("run");
    Path missing = tmp.resolve("prompts.jsonl");
    Run r = dualign("pipeline", "--profile", "tiny", "--run-dir", run.toString(), "--set",
        "evaluate.extraPrompts=" + missing);
    assertEquals(2, r.code(), r.err());
    assertEquals("dualign: evaluate.extraPrompts = " + missing + " is not allowed: no such local "
        + "file or directory: " + missing, r.err().strip());
    assertTrue(!Files.exists(run), "nothing was created");
    Run http = dualign("prepare", "--profile", "tiny", "--run-dir", run.toString(), "--input",
        "https://example.org/pku.jsonl");
    assertEquals(2, http.code(), http.err());
    assertTrue(http.err().startsWith("dualign: data.input = https://example.org/pku.jsonl is not "
        + "allowed: scheme 'https' is not supported"), http.err());
    Files.createDirectories(tmp.resolve("home/report"));
    Run foreign = dualign("pipeline", "--profile", "tiny", "--run-dir",
        tmp.resolve("home").toString());
    assertEquals(2, foreign.code(), foreign.err());
    assertTrue(foreign.err().contains("it holds [report] that are not dualign outputs and no manifest.json"), foreign.err());
    assertTrue(Files.isDirectory(tmp.resolve("home/report")), "left alone");
  }

  @Test
  void noStageOrAnUnknownStageIsAUsageError() {
    Run none = dualign();
    assertEquals(2, none.code());
    assertTrue(none.err().contains("no stage given"), none.err());
    Run unknown = dualign("fly");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().contains("Unmatched argument at index 0: 'fly'"), unknown.err());
  }

  @Test
  void aBadSetValueExitsTwoNamingTheKey(@TempDir Path dir) {
    Run r = dualign("doctor", "--run-dir", dir.toString(), "--set", "runtime.djlThreadsPerTask=0");
    assertEquals(2, r.code());
    assertEquals("dualign: runtime.djlThreadsPerTask = 0 is not allowed (from --set "
        + "runtime.djlThreadsPerTask=0): expected an integer in [1, 256]\n", r.err());
    Run unknown = dualign("status", "--run-dir", dir.toString(), "--set", "x=1");
    assertEquals(2, unknown.code());
    Run badKey = dualign("pipeline", "--run-dir", dir.toString(), "--set", "run.sead=3");
    assertEquals(2, badKey.code());
    assertTrue(badKey.err().contains("unknown configuration key 'run.sead'"), badKey.err());
    assertTrue(Files.notExists(dir.resolve("manifest.json")), "nothing written on a usage error");
  }

  @Test
  void everyStageHasItsJob() {
    assertEquals(PrepareJob.class, StageJobs.job(Stage.PREPARE).getClass());
    for (Stage s : List.of(Stage.SFT, Stage.TRAIN_REWARD, Stage.TRAIN_COST)) {
      assertEquals(TrainModelJob.class, StageJobs.job(s).getClass(), s.cliName());
    }
    assertEquals(SampleReferenceJob.class, StageJobs.job(Stage.SAMPLE_REF).getClass());
    assertEquals(ScorePairsJob.class, StageJobs.job(Stage.SCORE).getClass());
    assertEquals(SolveDualJob.class, StageJobs.job(Stage.SOLVE_DUAL).getClass());
    assertEquals(AlignJob.class, StageJobs.job(Stage.ALIGN).getClass());
    assertEquals(EvaluateJob.class, StageJobs.job(Stage.EVALUATE).getClass());
    assertEquals(SweepJob.class, StageJobs.job(Stage.SWEEP).getClass());
    assertEquals(ReportJob.class, StageJobs.job(Stage.REPORT).getClass());
  }

  @Test
  void statusReadsMarkersWithoutSpark(@TempDir Path dir) throws Exception {
    Run empty = dualign("status", "--run-dir", dir.toString());
    assertEquals(0, empty.code());
    assertTrue(empty.out().contains("no manifest.json"), empty.out());
    assertTrue(empty.out().contains("prepare       absent"), empty.out());

    RunDirectory run = RunDirectory.open(dir.toString(), new Configuration());
    run.ensureManifest(ConfigLoader.fromClasspath().load("tiny", null, List.of()), Versions.all());
    run.begin("prepare").commit(Map.of("input", "pairs.jsonl", "pairs", 1200, "prompts", 400,
        "quarantined", 3, "by_reason", Map.of("empty prompt", 3)));
    PendingOutput sft = run.begin("sft");
    Files.writeString(Path.of(sft.path().toUri()).resolve("half.bin"), "x"); // never committed
    run.begin("align/caid/iteration-1").commit(iteration(1, 0.75));
    run.begin("align/caid/iteration-10").commit(iteration(10, 0.5));
    run.begin("align/caid/iteration-2").commit(iteration(2, 0.625));

    Run r = dualign("status", "--run-dir", dir.toString());
    assertEquals(0, r.code());
    String runId = (String) run.manifest().orElseThrow().get("run_id");
    assertTrue(r.out().startsWith("run " + runId + " (profile tiny"), r.out());
    assertTrue(r.out().contains("prepare       committed by_reason={empty prompt=3} "
        + "input=pairs.jsonl pairs=1200 prompts=400 quarantined=3 seconds="),
        r.out());
    assertTrue(r.out().contains("sft           partial"), r.out());
    assertTrue(r.out().contains("train-reward  absent"), r.out());
    assertTrue(r.out().contains("align         partial"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  align/caid/iteration-1   committed ")
        && l.contains(" iteration=1 lambda={safety=0.75} method=caid ")), r.out());
    int i1 = r.out().indexOf("iteration-1 ");
    int i2 = r.out().indexOf("iteration-2 ");
    int i10 = r.out().indexOf("iteration-10 ");
    assertTrue(i1 < i2 && i2 < i10, r.out()); // counted, not alphabetical
  }

  /** The summary of a CAID iteration at {@code lambda}, as its marker record requires. */
  private static Map<String, Object> iteration(int t, double lambda) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("run_id", "run");
    m.put("method", "caid");
    m.put("iteration", t);
    m.put("lambda", Map.of("safety", lambda));
    m.put("estimate", List.of());
    m.put("next_lambda", Map.of("safety", lambda));
    m.put("dpo", Map.of("steps", 1, "pairs", 8, "loss", 0.5));
    m.put("model", "align/caid/iteration-" + t + "/model");
    return m;
  }

  @Test
  void versionNamesTheStack() {
    Run r = dualign("--version");
    assertEquals(0, r.code());
    assertEquals("dualign 0.1.0-SNAPSHOT (Spark 4.2.0, DJL 0.36.0, PyTorch 2.7.1)\n", r.out());
  }
}
