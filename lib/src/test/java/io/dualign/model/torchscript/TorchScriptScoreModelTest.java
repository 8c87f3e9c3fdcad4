package io.dualign.model.torchscript;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.model.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TorchScriptScoreModelTest {
  private static TorchScriptScoreModel model;

  @BeforeAll
  static void load() throws Exception {
    model = TorchScriptScoreModel.load(Reference.SCORE, Device.cpu());
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static float[] want() {
    return Reference.floats(Reference.JSON.get("end_scores"));
  }

  @Test
  void endScoresMatchPythonOnRightPaddedRows() {
    float[] got = model.endScores(Reference.rightBatch());
    double diff = Reference.maxAbsDiff(got, want());
    System.out.printf("end scores right-padded Java %s vs Python: max abs diff %.3e%n", java.util.Arrays.toString(got),
        diff);
    assertTrue(diff < 1e-5, "max abs diff " + diff);
  }

  @Test
  void endScoresMatchPythonOnLeftPaddedRows() {
    double diff = Reference.maxAbsDiff(model.endScores(Reference.leftBatch()), want());
    System.out.printf("end scores left-padded: max abs diff %.3e%n", diff);
    assertTrue(diff < 1e-5, "max abs diff " + diff);
  }

  @Test
  void endScoresOfUnpaddedRowsMatchThePaddedBatch() {
    TokenBatch batch = Reference.rightBatch();
    float[] want = want();
    float[] one = new float[batch.rows()];
    for (int b = 0; b < batch.rows(); b++) {
      List<long[]> rows = new ArrayList<>();
      int real = 0;
      for (long m : batch.maskRow(b)) {
        real += (int) m;
      }
      rows.add(java.util.Arrays.copyOf(batch.idsRow(b), real));
      one[b] = model.endScores(rows)[0];
    }
    double diff = Reference.maxAbsDiff(one, want);
    System.out.printf("end scores one unpadded row at a time (traced model at other lengths): max abs diff %.3e%n", diff);
    assertTrue(diff < 1e-5, "max abs diff " + diff);
  }
}
