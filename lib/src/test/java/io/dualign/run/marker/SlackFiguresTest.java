package io.dualign.run.marker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.dual.Constraint;
import io.dualign.dual.ConstraintForm;
import io.dualign.dual.Moments;
import io.dualign.dual.SlackEstimate;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which {@code reference_*} fields a slack estimate's figures hold, read and written back. */
class SlackFiguresTest {
  private static Map<String, Object> estimate(boolean relative, Double referenceMean) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("constraint", "safety");
    m.put("form", relative ? "relative" : "absolute");
    m.put("threshold", 0.0);
    m.put("slack", 0.25);
    m.put("n", 56);
    if (relative) {
      m.put("reference_mean", referenceMean);
      m.put("reference_n", 48);
      m.put("reference_non_finite", 0);
    }
    return m;
  }

  private static Map<String, Object> rewritten(Map<String, Object> json) {
    SlackFigures f = Markers.parse(
        io.dualign.run.Json.write(json), SlackFigures.class, "estimate");
    return Markers.toMap(f);
  }

  @Test
  void aRelativeConstraintKeepsItsReferenceMeanEvenWhenNull() {
    Map<String, Object> finite = rewritten(estimate(true, 2.5));
    assertEquals(2.5, finite.get("reference_mean"));
    assertEquals(48, ((Number) finite.get("reference_n")).intValue());
    Map<String, Object> notFinite = rewritten(estimate(true, null));
    assertTrue(notFinite.containsKey("reference_mean"), notFinite.toString());
    assertNull(notFinite.get("reference_mean"));
    assertFalse(notFinite.containsKey("referenceMeanAsWritten"), notFinite.toString());
  }

  @Test
  void theFiguresOfAnEstimateAreItsMomentsWithNonFiniteValuesAsNull() {
    Constraint relative = new Constraint("safety", ConstraintForm.RELATIVE, 0.5);
    SlackFigures f = SlackFigures.of(new SlackEstimate(relative, Moments.of(1, 2, 3, 4),
        Moments.of(0, 2)));
    assertEquals(1.0, f.referenceMean());
    assertEquals(2L, f.referenceN());
    assertEquals(4L, f.n());
    assertEquals(1.0, f.slack(), 1e-15);
    SlackFigures noRef = SlackFigures.of(new SlackEstimate(relative, Moments.of(1, 2),
        Moments.EMPTY));
    assertNull(noRef.slack());
    assertNull(noRef.referenceMean());
    assertTrue(Markers.toMap(noRef).containsKey("reference_mean"));
    SlackFigures absolute = SlackFigures.of(new SlackEstimate(new Constraint("safety",
        ConstraintForm.ABSOLUTE, -1.0), Moments.of(1, 2, 3, 4), Moments.EMPTY));
    assertNull(absolute.referenceN());
    assertFalse(Markers.toMap(absolute).containsKey("reference_mean"));
  }

  @Test
  void anAbsoluteConstraintHasNoReferenceFields() {
    Map<String, Object> m = rewritten(estimate(false, null));
    assertFalse(m.containsKey("reference_mean"), m.toString());
    assertFalse(m.containsKey("reference_n"), m.toString());
    String json = new String(io.dualign.run.Json.write(m), StandardCharsets.UTF_8);
    assertFalse(json.contains("reference"), json);
  }
}
