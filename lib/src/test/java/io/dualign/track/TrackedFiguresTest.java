package io.dualign.track;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.dualign.run.marker.Markers;
import io.dualign.run.marker.StageMarker;
import io.dualign.track.MlflowClient.Metric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The metrics {@link TrackedFigures} takes from markers, by key and step. */
class TrackedFiguresTest {
  private static Map<String, Double> byKeyAndStep(List<Metric> metrics) {
    Map<String, Double> m = new TreeMap<>();
    metrics.forEach(x -> m.put(x.key() + "@" + x.step(), x.value()));
    return m;
  }

  /** The marker of {@code output} with {@code fields}, committed at 2026-12-07T12:00:00Z. */
  private static StageMarker marker(String output, Map<String, Object> fields) {
    Map<String, Object> m = new LinkedHashMap<>(fields);
    m.put("run_id", "run");
    m.put("output", output);
    m.put("finished", "2026-12-07T12:00:00Z");
    return Markers.fromMap(m, Markers.typeOf(output), output);
  }

  /** An iteration's marker: {@code fields} over λ, û and DPO figures with nothing in them. */
  private static StageMarker iteration(String output, Map<String, Object> fields) {
    Map<String, Object> m = new LinkedHashMap<>(Map.of("method", "caid", "iteration", 1,
        "lambda", Map.of(), "estimate", List.of(), "next_lambda", Map.of(), "dpo", Map.of(),
        "model", output + "/model"));
    m.putAll(fields);
    return marker(output, m);
  }

  @Test
  void anIterationGivesLambdaUHatWithItsIntervalAndTheDpoFiguresAtItsStep() {
    StageMarker marker = iteration("align/caid/iteration-3", Map.of(
        "lambda", Map.of("safety", 0.7),
        "estimate", List.of(Map.of("constraint", "safety", "slack", -0.2, "stderr", 0.05,
            "lower95", -0.3, "upper95", -0.1)),
        "dpo", Map.of("dpo_loss", 0.6, "kl_pairs", -1.5, "implicit_reward_accuracy", 0.75,
            "mean_margin", 0.2, "train_tokens_per_second", 900.0, "steps", 10,
            "loss_history", List.of(Map.of("step", 5, "loss", 0.65, "tokens_per_second", 800.0),
                Map.of("step", 10, "loss", 0.6, "tokens_per_second", 900.0))),
        "rollout", Map.of("tokens_per_second", 300.0)));
    List<Metric> m = TrackedFigures.of("align/caid/iteration-3", marker);
    Map<String, Double> got = byKeyAndStep(m);
    assertEquals(0.7, got.get("caid.lambda.safety@3"));
    assertEquals(-0.2, got.get("caid.u_hat.safety@3"));
    assertEquals(0.05, got.get("caid.u_hat_stderr.safety@3"));
    assertEquals(-0.3, got.get("caid.u_hat_lower95.safety@3"));
    assertEquals(-0.1, got.get("caid.u_hat_upper95.safety@3"));
    assertEquals(0.6, got.get("caid.dpo_loss@3"));
    assertEquals(-1.5, got.get("caid.kl_pairs@3"));
    assertEquals(0.75, got.get("caid.implicit_reward_accuracy@3"));
    assertEquals(300.0, got.get("caid.rollout_tokens_per_second@3"));
    // the epoch's steps continue those of iterations 1 and 2 (10 steps each)
    assertEquals(0.65, got.get("caid.dpo_train_loss@25"));
    assertEquals(0.6, got.get("caid.dpo_train_loss@30"));
    assertEquals(1796644800000L, m.get(0).timestamp());
    assertEquals(15, m.size(), got.toString());
  }

  @Test
  void aSweepIterationIsPrefixedByItsThreshold() {
    List<Metric> m = TrackedFigures.of("sweep/b=0.5/align/caid/iteration-1",
        iteration("sweep/b=0.5/align/caid/iteration-1", Map.of("lambda", Map.of("safety", 1.0))));
    assertEquals(List.of("sweep.b_0.5.caid.lambda.safety"), m.stream().map(Metric::key).toList());
  }

  @Test
  void aTrainingStageGivesItsLossAndTokensPerSecondPerLoggedStep() {
    Map<String, Double> got = byKeyAndStep(TrackedFigures.of("sft", marker("sft", Map.of(
        "model_version", "v1",
        "loss_history", List.of(Map.of("step", 5, "loss", 4.0, "tokens_per_second", 100.0)),
        "heldout_loss", 3.5, "train_tokens_per_second", 110.0, "final_train_loss", Double.NaN))));
    assertEquals(Map.of("sft.train_loss@5", 4.0, "sft.tokens_per_second@5", 100.0,
        "sft.heldout_loss@0", 3.5, "sft.train_tokens_per_second@0", 110.0), got);
  }

  @Test
  void otherStagesGiveLambdaStarThroughputAndEvaluatedDeltas() {
    assertEquals(Map.of("solve-dual.lambda_star.safety@0", 0.9),
        byKeyAndStep(TrackedFigures.of("solve-dual", marker("solve-dual", Map.of("lambda",
            Map.of("safety", 0.9), "predicted_slack", Map.of("safety", 0.0), "converged",
            true)))));
    assertEquals(Map.of("sample-ref.tokens_per_second@0", 50.0),
        byKeyAndStep(TrackedFigures.of("sample-ref", marker("sample-ref", Map.of(
            "tokens_per_second", 50.0, "rows", 10, "prompts", 5, "samples_per_prompt", 2)))));
    assertEquals(Map.of("evaluate.caid-2.delta_reward@0", 0.3,
        "evaluate.caid-2.safety_rate@0", 0.8),
        byKeyAndStep(TrackedFigures.of("evaluate", marker("evaluate", Map.of("prompts", 6,
            "policies", Map.of("caid-2", Map.of("delta_reward", 0.3, "safety_rate", 0.8,
                "samples", 12)))))));
  }
}
