package io.dualign.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.jobs.DualignCliTest;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code bench hf} on the smallest Llama fixture with no peer Python: the RESULT line carries
 * every figure of dualign's side, at the batch sizes and the cache-comparison shape asked for, the
 * figures agree with each other, and the peer is reported absent rather than failing the bench.
 * Speeds are the benchmark's output, not asserted.
 */
class HfBenchTest {
  @Test
  void resultLineHasEveryFigureWithoutThePeer() {
    Path fixture = Paths.get("../lib/src/test/resources/hf/llama3-rope").toAbsolutePath();
    DualignCliTest.Run r = DualignCliTest.dualign("bench", "hf", "--model", fixture.toString(),
        "--python", "/nonexistent/python", "--new-tokens", "5", "--batches", "1,3",
        "--no-cache-tokens", "4", "--no-cache-batch", "2", "--rounds", "2", "--dpo-steps", "1");
    assertEquals(0, r.code(), r.err());
    String result = ModelBenchTest.resultLine(r.out());
    Map<String, String> f = ModelBenchTest.figures(result);
    for (String key : new String[] {"gen_tokens_per_s_b1", "gen_tokens_per_s_b3",
        "cached_short_tokens_per_s_b2", "nocache_tokens_per_s_b2", "cache_speedup_b2",
        "logprob_tokens_per_s", "score_rows_per_s", "dpo_lora_tokens_per_s",
        "dpo_full_tokens_per_s"}) {
      assertTrue(f.containsKey(key), key + " missing in " + result);
      assertTrue(Double.parseDouble(f.get(key)) > 0, key + " not positive in " + result);
    }
    assertTrue(f.containsKey("dpo_lora_peak_mb") && f.containsKey("dpo_full_peak_mb"), result);
    assertEquals("absent", f.get("peer"));
    assertEquals("2", f.get("rounds"));
    assertEquals("5", f.get("new_tokens"));
    assertEquals("llama3-rope", f.get("model"));
    assertEquals(Double.parseDouble(f.get("cached_short_tokens_per_s_b2"))
        / Double.parseDouble(f.get("nocache_tokens_per_s_b2")),
        Double.parseDouble(f.get("cache_speedup_b2")), 0.01);
    assertTrue(r.out().contains("no Python at /nonexistent/python"), r.out());
  }

  @Test
  void refusesAnEmptyCacheComparison() {
    DualignCliTest.Run r = DualignCliTest.dualign("bench", "hf", "--no-cache-batch", "0");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--no-cache-batch"), r.err());
  }
}
