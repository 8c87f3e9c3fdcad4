package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import io.dualign.run.Json;
import io.dualign.vocabulary.Stage;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resume after SIGKILL on the embedded default (tiny profile, the end-to-end test's sizes, T = 3):
 * after prepare … solve-dual, {@code dualign align --method caid} runs in a child JVM that is killed
 * with {@code destroyForcibly} (SIGKILL) once iteration 1 is committed, i.e. inside iteration 2;
 * a second child resumes. Its λ trajectory and final figures equal those of an uninterrupted
 * child on a copy of the same run directory: λ to 1e-9 (relative), DPO loss and KL to 1e-6.
 */
class AlignResumeIT {
  private static final List<String> SETS;

  static {
    List<String> s = new ArrayList<>(AlignEndToEndIT.SETS);
    s.add("align.iterations=3");
    SETS = List.copyOf(s);
  }

  private static Process child(Path runDir, Path log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Dualign.class.getName());
    cmd.addAll(List.of("align", "--method", "caid", "--profile", "tiny", "--run-dir",
        runDir.toString()));
    for (String set : SETS) {
      cmd.add("--set");
      cmd.add(set);
    }
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static void copy(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static Map<String, Object> marker(Path runDir, String output) throws Exception {
    return Json.readMap(Files.readAllBytes(runDir.resolve(output).resolve("_SUCCESS.json")));
  }

  private static double num(Object o) {
    return ((Number) o).doubleValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void killedCaidResumesToTheSameTrajectory(@TempDir Path tmp) throws Exception {
    Path killed = tmp.resolve("killed");
    Path clean = tmp.resolve("clean");
    DualignConfig cfg = ConfigLoader.fromClasspath().load("tiny", null, SETS);
    try (StageContext ctx = new StageContext(cfg, killed.toString(), "fixture")) {
      for (Stage s : List.of(Stage.PREPARE, Stage.SFT, Stage.TRAIN_REWARD, Stage.TRAIN_COST,
          Stage.SAMPLE_REF, Stage.SCORE, Stage.SOLVE_DUAL)) {
        StageRunner.run(ctx, s, StageJobs.job(s));
      }
    }
    copy(killed, clean);

    Process first = child(killed, tmp.resolve("first.log"));
    Path committed = killed.resolve("align/caid/iteration-1/_SUCCESS.json");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (!Files.exists(committed) && first.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.exists(committed), "iteration 1 committed before the kill; log: "
        + Files.readString(tmp.resolve("first.log")));
    first.destroyForcibly();
    assertTrue(first.waitFor(60, TimeUnit.SECONDS));
    assertEquals(137, first.exitValue(), "killed by SIGKILL");
    assertFalse(Files.exists(killed.resolve("align/caid/iteration-2/_SUCCESS.json")),
        "killed inside iteration 2");
    assertFalse(Files.exists(killed.resolve("align/caid/_SUCCESS.json")));

    Process resumed = child(killed, tmp.resolve("resumed.log"));
    assertTrue(resumed.waitFor(10, TimeUnit.MINUTES));
    assertEquals(0, resumed.exitValue(), Files.readString(tmp.resolve("resumed.log")));
    assertTrue(Files.readString(tmp.resolve("resumed.log"))
        .contains("resuming after committed iteration 1"));
    Process whole = child(clean, tmp.resolve("clean.log"));
    assertTrue(whole.waitFor(10, TimeUnit.MINUTES));
    assertEquals(0, whole.exitValue(), Files.readString(tmp.resolve("clean.log")));

    Map<String, Object> a = marker(killed, "align/caid");
    Map<String, Object> b = marker(clean, "align/caid");
    List<Map<String, Object>> ta = (List<Map<String, Object>>) a.get("lambda_trajectory");
    List<Map<String, Object>> tb = (List<Map<String, Object>>) b.get("lambda_trajectory");
    assertEquals(3, ta.size());
    for (int i = 0; i < 3; i++) {
      double x = num(ta.get(i).get("safety"));
      double y = num(tb.get(i).get("safety"));
      assertEquals(y, x, 1e-9 * Math.max(1, Math.abs(y)), "λ(" + (i + 1) + ")");
    }
    Map<String, Object> da = (Map<String, Object>) a.get("final_dpo");
    Map<String, Object> db = (Map<String, Object>) b.get("final_dpo");
    for (String k : List.of("dpo_loss", "implicit_reward_accuracy", "kl_pairs", "mean_margin")) {
      assertEquals(num(db.get(k)), num(da.get(k)), 1e-6, k);
    }
    System.out.println("resumed: " + a + "\nuninterrupted: " + b);
    assertTrue(new File(killed.toFile(), "align/caid/iteration-3/model/checkpoint.json").exists());
  }
}
