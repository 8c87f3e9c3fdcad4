package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** doctor in-process on local[2]: every line OK, the engine computes, the run dir is left as it was. */
class DoctorCommandTest {

  @Test
  void doctorIsAllOkLocally(@TempDir Path dir) {
    Path runDir = dir.resolve("run");
    DualignCliTest.Run r = DualignCliTest.dualign("doctor", "--run-dir", runDir.toString(),
        "--master", "local[2]", "--profile", "tiny");
    assertEquals(0, r.code(), () -> r.out() + r.err());
    for (String check : new String[] {"config", "java", "offline", "djl", "gpu", "spark",
        "executors", "run-dir"}) {
      assertTrue(r.out().lines().anyMatch(l -> l.matches("OK\\s+" + check + "\\s.*")),
          () -> check + " not OK in:\n" + r.out());
    }
    assertTrue(r.out().contains("OK    djl       PyTorch 2.7.1 (DJL 0.36.0, 0 GPU)"), r.out());
    assertTrue(r.out().contains("master local[2]"), r.out());
    assertTrue(r.out().contains("executor driver on "), r.out());
    assertTrue(r.out().contains("gpu addresses none (CPU)"), r.out());
    assertTrue(r.out().trim().endsWith("doctor: all OK"), r.out());
    assertTrue(Files.notExists(runDir), "doctor must not leave the run directory behind");
  }

  @Test
  void doctorDescribesEachConfiguredModelAndFailsOnABrokenOne(@TempDir Path dir)
      throws Exception {
    Path hf = ProjectFiles.root().resolve("lib/src/test/resources/hf");
    Path broken = dir.resolve("broken");
    Files.createDirectories(broken);
    Files.writeString(broken.resolve("config.json"), "{\"architectures\": [\"GPT2LMHeadModel\"]}");
    DualignCliTest.Run r = DualignCliTest.dualign("doctor", "--run-dir",
        dir.resolve("run").toString(), "--master", "local[1]", "--profile", "tiny",
        "--set", "model.policy=" + hf.resolve("qwen2"), "--set", "model.dtype=float16",
        "--set", "model.reward=" + hf.resolve("llama-score"), "--set", "model.cost=" + broken);
    assertEquals(1, r.code(), () -> r.out() + r.err());
    String policy = r.out().lines().filter(l -> l.startsWith("OK    model.policy")).findFirst()
        .orElseThrow(() -> new AssertionError(r.out()));
    long params = io.dualign.model.hf.HfFolder.open(org.apache.hadoop.fs.FileSystem.getLocal(
        new org.apache.hadoop.conf.Configuration()), new org.apache.hadoop.fs.Path(
            hf.resolve("qwen2").toUri())).config().parameterCount();
    assertTrue(policy.contains("Hugging Face Qwen2ForCausalLM(") && policy.contains(
        String.format(java.util.Locale.ROOT, "%,d parameters", params))
        && policy.contains("loads as float16") && policy.contains(
            String.format(java.util.Locale.ROOT, "%.1f MiB", params * 2 / (double) (1 << 20))),
        policy);
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("OK    model.reward")
        && l.contains("LlamaForScore")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("FAIL  model.cost")
        && l.contains("GPT2LMHeadModel") && l.contains("LlamaForCausalLM")), r.out());
    // the memory plan of the Hugging Face policy: align's DPO epoch and sample-ref's generation
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("OK    memory align")
        && l.contains("the DPO epoch (full fine-tuning of 0.00B parameters")
        && l.contains("needs ~")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("OK    memory sample-ref")
        && l.contains("KV cache")), r.out());
  }

  @Test
  void anUnwritableRunDirIsAFail(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("a-file");
    Files.writeString(file, "not a directory");
    DualignCliTest.Run r = DualignCliTest.dualign("doctor", "--run-dir",
        file.resolve("run").toString(), "--master", "local[1]");
    assertEquals(1, r.code(), () -> r.out() + r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("FAIL  run-dir")), r.out());
    assertTrue(r.out().trim().endsWith("doctor: 1 FAIL"), r.out());
  }
}
