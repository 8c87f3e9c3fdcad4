package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PairAccuracyTest {
  @Test
  void rewardPairsAreRightWhenThePreferredScoresStrictlyHigher() {
    PairAccuracy a = new PairAccuracy(ScoreObjective.Kind.REWARD);
    a.add(1.0, 0.5, true, true);
    a.add(0.2, 0.2, true, true); // a tie is wrong
    a.add(0.0, 1.0, true, true);
    assertEquals(3, a.pairs());
    assertEquals(1.0 / 3, a.accuracy(), 1e-12);
    assertEquals(Map.of("accuracy", 1.0 / 3), a.figures());
  }

  @Test
  void costPairsAreSplitByTheirSafetyLabels() {
    PairAccuracy a = new PairAccuracy(ScoreObjective.Kind.COST);
    // Mixed: the safer (first) response is safe, the other unsafe.
    a.add(-1.0, 2.0, true, false); // ranked right, both signs right
    a.add(0.5, 0.1, true, false); // ranked wrong; safer's sign wrong, other's right
    // Same label: both unsafe (a tie: wrong, both signs right), both safe (right, signs right).
    a.add(0.3, 0.3, false, false);
    a.add(-2.0, -1.0, true, true);
    assertEquals(0.5, a.accuracy(), 1e-12);
    assertEquals(2, a.mixedPairs());
    assertEquals(0.5, a.mixedAccuracy(), 1e-12);
    assertEquals(0.5, a.sameLabelAccuracy(), 1e-12);
    assertEquals(7.0 / 8, a.signAccuracy(), 1e-12);
    Map<String, Double> f = a.figures();
    assertEquals(2.0, f.get("pairs_mixed"));
    assertEquals(2.0, f.get("pairs_same_label"));
    assertEquals(0.5, f.get("accuracy_mixed"));
    assertEquals(7.0 / 8, f.get("sign_accuracy"));
  }

  @Test
  void anAccuracyWithoutPairsIsLeftOutOfTheFigures() {
    PairAccuracy a = new PairAccuracy(ScoreObjective.Kind.COST);
    a.add(-1.0, -0.5, true, true);
    a.add(1.0, 2.0, false, false);
    assertTrue(Double.isNaN(a.mixedAccuracy()));
    assertFalse(a.figures().containsKey("accuracy_mixed"));
    assertEquals(1.0, a.figures().get("accuracy_same_label"));
    assertTrue(Double.isNaN(new PairAccuracy(ScoreObjective.Kind.REWARD).accuracy()));
  }
}
