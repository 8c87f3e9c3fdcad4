package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.dual.TestSpark;
import io.dualign.model.torchscript.BundleTokenizer;
import io.dualign.model.torchscript.TorchScriptBundle;
import io.dualign.model.torchscript.TorchScriptScoreModel;
import io.dualign.run.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stages with the committed TorchScript fixture as π_ref ({@code model.policy}) and as the
 * reward and cost models ({@code model.reward}, {@code model.cost}), each a separate
 * {@code dualign} invocation on local[2]: the training stages commit as provided (no training;
 * {@code status} shows it), sample-ref samples from the TorchScript policy and scores with the
 * score bundle (scores equal direct scoring through the bundle), score scores the pairs, and one
 * DPO iteration ({@code align --method dpo-helpful}, T = 1) trains the TorchScript policy through
 * DJL, lowering the DPO loss below log 2 and writing θ(1) as a new verified bundle.
 */
class TorchScriptStagesTest {
  static final String TEMPLATE = "BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:";
  static final int MAX_PROMPT = 40;

  @TempDir Path tmp;

  static Path fixture(String name) {
    return ProjectFiles.root().resolve("lib/src/test/resources/torchscript").resolve(name);
  }

  static List<String> settings() {
    return List.of("data.syntheticPairs=120", "model.policy=" + fixture("policy"),
        "model.reward=" + fixture("score"), "model.cost=" + fixture("score"),
        "model.chatTemplate=" + TEMPLATE, "model.maxPromptTokens=" + MAX_PROMPT,
        "model.maxResponseTokens=24", "rollout.prompts=5", "rollout.samples=2",
        "rollout.maxNewTokens=12", "rollout.batchSize=4", "rollout.partitions=2",
        "rollout.truncatePrompts=true", "align.iterations=1", "align.maxPairs=24",
        "align.batchSize=8", "align.learningRate=0.01", "train.warmupSteps=0",
        "runtime.progressIntervalSeconds=1");
  }

  record Result(int code, String out, String err) {}

  static Result run(String runDir, String... stageAndOptions) {
    return run(settings(), runDir, stageAndOptions);
  }

  /** One {@code dualign} invocation on local[2] with the tiny profile and these settings. */
  static Result run(List<String> settings, String runDir, String... stageAndOptions) {
    List<String> args = new ArrayList<>(List.of(stageAndOptions));
    args.addAll(List.of("--run-dir", runDir, "--profile", "tiny", "--master", "local[2]"));
    for (String s : settings) {
      args.add("--set");
      args.add(s);
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true),
        args.toArray(new String[0]));
    return new Result(code, out.toString(), err.toString());
  }

  static Map<String, Object> marker(Path runDir, String output) throws Exception {
    return Json.readMap(Files.readAllBytes(runDir.resolve(output).resolve("_SUCCESS.json")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void providedTorchScriptModelsRunSampleRefScoreAndOneDpoIteration() throws Exception {
    Path runDir = tmp.resolve("run");
    String dir = runDir.toString();
    String policyVersion = TorchScriptBundle.open(fixture("policy")).manifest().version();
    String scoreVersion = TorchScriptBundle.open(fixture("score")).manifest().version();
    for (String stage : List.of("prepare", "sft", "train-reward", "train-cost")) {
      Result r = run(dir, stage);
      assertEquals(0, r.code(), () -> stage + " failed: " + r.out() + r.err());
    }
    Map<String, Object> sft = marker(runDir, "sft");
    assertEquals(true, sft.get("provided"), sft.toString());
    assertEquals("torchscript", sft.get("model_format"));
    assertEquals(policyVersion, sft.get("model_version"));
    assertTrue(!Files.exists(runDir.resolve("sft/model")), "nothing trained, nothing copied");
    assertEquals(scoreVersion, marker(runDir, "train-cost").get("model_version"));

    Result s = run(dir, "sample-ref");
    assertEquals(0, s.code(), () -> s.out() + s.err());
    Map<String, Object> m = marker(runDir, "sample-ref");
    assertEquals(10, ((Number) m.get("rows")).intValue(), m.toString());
    assertEquals(0, ((Number) m.get("error_rows")).intValue(), m.toString());
    assertEquals(policyVersion, m.get("policy_version"));
    assertEquals("torchscript", m.get("policy_format"));
    assertEquals(scoreVersion, m.get("reward_version"));
    assertEquals("shared", ((List<Map<String, Object>>) m.get("model_delivery")).get(0)
        .get("delivery"), "local master: executors read the bundle's path");

    Result sc = run(dir, "score");
    assertEquals(0, sc.code(), () -> sc.out() + sc.err());
    Map<String, Object> scored = marker(runDir, "score");
    assertEquals(0, ((Number) scored.get("error_pairs")).intValue(), scored.toString());
    assertEquals(scoreVersion, scored.get("reward_version"));

    SparkSession spark = TestSpark.builder().master("local[1]").appName("check").getOrCreate();
    try (TorchScriptScoreModel sm = TorchScriptScoreModel.load(fixture("score"), Device.cpu())) {
      List<Row> rows = spark.read().parquet(runDir.resolve("sample-ref/samples").toString())
          .collectAsList();
      assertEquals(10, rows.size());
      for (Row r : rows) {
        assertNull(r.getAs("error"), r.toString());
        String prompt = r.getAs("prompt");
        double expected = direct(sm, prompt, r.getAs("response"));
        assertEquals(expected, (double) r.getAs("reward"), 1e-4, r.toString());
        assertEquals(-expected, (double) r.getAs("utility_safety"), 1e-4, r.toString());
        assertTrue((int) r.getAs("response_tokens") <= 12, r.toString());
      }
    } finally {
      spark.stop();
    }

    Result status = statusOf(dir);
    assertTrue(status.out().lines().anyMatch(l -> l.startsWith("sft") && l.contains("committed")
        && l.contains("provided=true") && l.contains("model_format=torchscript")), status.out());

    Result a = run(dir, "align", "--method", "dpo-helpful");
    assertEquals(0, a.code(), () -> a.out() + a.err());
    Map<String, Object> it = marker(runDir, "align/dpo-helpful/iteration-1");
    Map<String, Object> dpo = (Map<String, Object>) it.get("dpo");
    assertEquals("torchscript", dpo.get("model_format"), dpo.toString());
    assertEquals(policyVersion, dpo.get("previous_version"));
    // θ(0) = π_ref gives every pair margin 0, loss log 2; one epoch must lower it.
    double loss = ((Number) dpo.get("dpo_loss")).doubleValue();
    assertTrue(loss < Math.log(2) - 1e-3, dpo.toString());
    assertTrue(Math.abs(((Number) dpo.get("kl_pairs")).doubleValue()) > 1e-4, dpo.toString());
    Path trained = runDir.resolve("align/dpo-helpful/iteration-1/model");
    TorchScriptBundle b = TorchScriptBundle.open(trained); // verifies the new sha256
    assertEquals(dpo.get("model_version"), b.manifest().version());
    assertNotEquals(policyVersion, b.manifest().version());
    assertEquals(policyVersion, marker(runDir, "align/reference").get("reference_version"));
  }

  /**
   * The end score through the bundle's own API; a templated prompt over MAX_PROMPT tokens keeps
   * the template and the first prompt tokens that fit (docs/stages.md, "sft, train-reward, train-cost").
   */
  static double direct(TorchScriptScoreModel m, String prompt, String response) {
    BundleTokenizer tok = m.tokenizer();
    long[] p = tok.encode(TEMPLATE.replace("{prompt}", prompt), true);
    if (p.length > MAX_PROMPT) {
      int at = TEMPLATE.indexOf("{prompt}");
      long[] pre = tok.encode(TEMPLATE.substring(0, at), true);
      long[] suf = tok.encode(TEMPLATE.substring(at + "{prompt}".length()), false);
      long[] body = tok.encode(prompt, false);
      int keep = MAX_PROMPT - pre.length - suf.length;
      p = new long[MAX_PROMPT];
      System.arraycopy(pre, 0, p, 0, pre.length);
      System.arraycopy(body, 0, p, pre.length, keep);
      System.arraycopy(suf, 0, p, pre.length + keep, suf.length);
    }
    long[] r = tok.encodeResponse(response, true);
    long[] row = java.util.Arrays.copyOf(p, p.length + r.length);
    System.arraycopy(r, 0, row, p.length, r.length);
    return m.endScores(List.of(row))[0];
  }

  static Result statusOf(String runDir) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true), "status",
        "--run-dir", runDir);
    return new Result(code, out.toString(), err.toString());
  }
}
