package io.dualign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.dualign.config.ConfigLoader;
import io.dualign.config.DualignConfig;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/** What the training stages refuse before they load or train anything. */
class StageTrainingTest {
  @Test
  void costTrainingRefusesDataWithoutSafetyLabelsNamingTheColumns() throws Exception {
    DualignConfig c = ConfigLoader.fromClasspath().load("tiny", null, List.of());
    List<PairRow> hh = List.of(
        new PairRow("hh-1", "Hi?", "Hello.", "Go away.", 0, 0, null, null, PairRow.TRAIN),
        new PairRow("hh-2", "Help?", "Sure.", "No.", 0, 0, null, null, PairRow.TEST));
    FileSystem fs = FileSystem.getLocal(new Configuration());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> StageTraining.scoreModel(ScoreObjective.Kind.COST, hh, c.model(), c.train(), 1L, fs,
            new Path("/nonexistent/sft/model"), new Path("/nonexistent/train-cost/model"),
            ai.djl.Device.cpu()));
    assertEquals("train-cost: none of the 2 prepared pairs has per-response safety labels "
        + "(is_response_0_safe, is_response_1_safe), e.g. HH-RLHF input; train the cost model on "
        + "PKU-SafeRLHF-style data", e.getMessage());
  }
}
