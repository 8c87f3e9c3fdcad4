package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code status} orders a stage's sub-outputs and which marker entries it shows. */
class StatusCommandTest {
  @Test
  void subOutputsAreInTheOrderAReaderCountsThem() {
    List<String> names = new ArrayList<>(List.of("iteration-10", "b=1.5", "iteration-2", "caid",
        "b=-0.5", "safe-rlhf", "b=0", "iteration-1", "b=-1.25", "oneshot", "reference"));
    names.sort(StatusCommand.CHILD_ORDER);
    assertEquals(List.of("b=-1.25", "b=-0.5", "b=0", "b=1.5", "caid", "iteration-1",
        "iteration-2", "iteration-10", "oneshot", "reference", "safe-rlhf"), names);
  }

  @Test
  void figuresAreShortEntriesWithFourSignificantDigits() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("started", "2026-11-27T03:00:00Z");
    m.put("heldout_accuracy", 0.8081180811808119);
    m.put("pairs", 3000);
    m.put("seconds", 108.767314442);
    m.put("estimates", List.of(List.of(Map.of("mean", 2.0)), List.of(Map.of("mean", 2.1))));
    m.put("lambda_trajectory", List.of(Map.of("safety", 0.6966975), Map.of("safety", 0.86)));
    m.put("model_delivery", List.of(Map.of("bytes", 7, "delivery", "shared", "format", "x")));
    m.put("thresholds", List.of(0.5, 1.0, 1.5));
    m.put("methods", List.of("caid", "oneshot"));
    m.put("tiny", 1.0e-5);
    m.put("provided", true);
    m.put("by_reason", Map.of("empty prompt", 3));
    assertEquals("heldout_accuracy=0.8081 pairs=3000 seconds=108.8 lambda_trajectory=[{safety="
        + "0.6967}, {safety=0.86}] thresholds=[0.5, 1, 1.5] methods=[caid, oneshot] tiny=1e-05 "
        + "provided=true", StatusCommand.figures(m));
  }
}
