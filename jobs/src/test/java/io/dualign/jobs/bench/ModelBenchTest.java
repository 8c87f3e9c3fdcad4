package io.dualign.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.jobs.DualignCliTest;
import io.dualign.model.ModelArchitecture;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code bench model} on a tiny shape: the RESULT line carries every figure docs/benchmarks.md names, the
 * multi-head comparison appears for a grouped-query model, and the figures are consistent with
 * each other (rates from the same timings). Speeds themselves are not asserted: they are the
 * benchmark's output, not a property of the code.
 */
class ModelBenchTest {
  @Test
  void resultLineHasEveryFigureAndTheyAgree() {
    DualignCliTest.Run r = DualignCliTest.dualign("bench", "model", "--profile", "tiny",
        "--set", "model.kvHeads=2", "--new-tokens", "6", "--batches", "1,3",
        "--recompute-batches", "1", "--train-steps", "1", "--rounds", "2");
    assertEquals(0, r.code(), r.err());
    String result = resultLine(r.out());
    Map<String, String> f = figures(result);
    for (String key : new String[] {"matmul_gflops", "matmul_step_gflops", "params",
        "gen_b1_cache_tps", "gen_b1_nocache_tps", "kv_speedup_b1", "gen_b3_cache_fraction",
        "gen_b3_mha_fraction", "train_tps", "train_fraction", "train_cpu_fraction",
        "matmul_gflops_end", "train_fraction_end"}) {
      assertTrue(f.containsKey(key), key + " missing in " + result);
    }
    assertEquals("2", f.get("rounds"));
    assertEquals("tiny", f.get("profile"));
    assertEquals("6", f.get("new_tokens"));
    assertEquals(Double.parseDouble(f.get("gen_b1_cache_tps"))
        / Double.parseDouble(f.get("gen_b1_nocache_tps")),
        Double.parseDouble(f.get("kv_speedup_b1")), 0.01);
    // Both training fractions come from the one training rate.
    assertEquals(Double.parseDouble(f.get("train_fraction")) * Double.parseDouble(f.get(
        "matmul_gflops")) / Double.parseDouble(f.get("matmul_gflops_end")),
        Double.parseDouble(f.get("train_fraction_end")), 0.01);
    assertTrue(r.out().contains("kvHeads=2"), r.out());
    assertTrue(r.out().contains("with multi-head attention (kvHeads = heads = 4)"), r.out());
  }

  /** Generation FLOPs: the prompt's square once, then one row of keys per new token. */
  @Test
  void generationWorkCountsThePromptOnceAndTheGrowingCache() {
    ModelArchitecture a = new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL, 100, 64, 16,
        2, 4, 32, 1);
    int prompt = 16; // ModelBench.PROMPT_TOKENS
    double expected = a.backboneMacsPerToken() * (double) (prompt + 3 - 1)
        + a.headMacsPerToken() * 3.0 + a.attentionMacs(prompt, prompt)
        + a.attentionMacs(1, prompt + 1) + a.attentionMacs(1, prompt + 2);
    assertEquals(expected, ModelBench.generationMacsPerRow(a, 3), 0);
  }

  /** The bench's {@code RESULT} line in {@code out}. */
  static String resultLine(String out) {
    return out.lines().filter(l -> l.startsWith("RESULT ")).findFirst()
        .orElseThrow(() -> new AssertionError("no RESULT line in " + out));
  }

  /** The {@code key=value} figures of a {@code RESULT} line, in order. */
  static Map<String, String> figures(String result) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String kv : result.substring("RESULT ".length()).split(" ")) {
      f.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    return f;
  }
}
