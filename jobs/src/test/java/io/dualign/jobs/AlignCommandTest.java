package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dualign align}: usage errors exit 2 and name what is wrong or missing. */
class AlignCommandTest {
  private static int run(StringWriter err, String... args) {
    return Dualign.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
        args);
  }

  @Test
  void unknownMethodIsAUsageError(@TempDir Path tmp) {
    StringWriter err = new StringWriter();
    assertEquals(Dualign.USAGE, run(err, "align", "--method", "ppo", "--profile", "tiny",
        "--run-dir", tmp.resolve("run").toString()));
    assertTrue(err.toString().contains("unknown align method 'ppo'"), err.toString());
    assertTrue(err.toString().contains("dpo-helpful"), err.toString());
  }

  @Test
  void missingInputsNameTheStageToRun(@TempDir Path tmp) {
    StringWriter err = new StringWriter();
    assertEquals(Dualign.USAGE, run(err, "align", "--method", "dpo-helpful", "--profile", "tiny",
        "--master", "local[1]", "--run-dir", tmp.resolve("run").toString()));
    assertTrue(err.toString().contains("needs the committed output of score"), err.toString());
    assertTrue(err.toString().contains("run 'dualign score' first"), err.toString());
  }
}
