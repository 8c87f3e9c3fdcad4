package io.dualign.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import io.dualign.run.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Folders dualign saved ({@code saved-by-dualign}, written by {@link WriteSavedFixtures}) load in
 * transformers ({@code AutoModelForCausalLM.from_pretrained}, recorded by
 * {@code make_hf_fixtures.py reload}) with the logits dualign computes on them, within 1e-4; and
 * saving the same fixtures today writes exactly those files.
 */
class HfSavedFolderTest {
  @Test
  void transformersLoadsWhatDualignSavesWithTheSameLogits() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    for (String[] s : WriteSavedFixtures.SAVED) {
      Path dir = WriteSavedFixtures.fixture(s[0] + "-" + s[1]);
      Map<String, Object> ref = Json.readMap(Files.readAllBytes(dir.resolve(
          "reload-reference.json")));
      assertFalse(Files.exists(dir.resolve("model.safetensors.index.json")), "one weight file");
      try (HfCheckpoint.Loaded m = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
          dir.toAbsolutePath().toUri()), Device.cpu(), "auto")) {
        List<long[]> rows = HfParityTest.prompts(ref);
        for (int r = 0; r < rows.size(); r++) {
          HfParityTest.assertClose(HfParityTest.referenceLogits(ref, r),
              HfParityTest.singleLogits(m.causalLm(), rows.get(r)), HfParityTest.TOLERANCE,
              dir.getFileName() + " row " + r);
        }
      }
    }
  }

  @Test
  void savingTheFixturesTodayWritesTheCommittedFiles(@TempDir Path tmp) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    for (String[] s : WriteSavedFixtures.SAVED) {
      Path out = tmp.resolve(s[0]);
      WriteSavedFixtures.write(fs, HfParityTest.FIXTURES.resolve(s[0]), s[1], out);
      Path committed = WriteSavedFixtures.fixture(s[0] + "-" + s[1]);
      try (var files = Files.list(out)) {
        for (Path f : files.toList()) {
          assertArrayEquals(Files.readAllBytes(committed.resolve(f.getFileName())),
              Files.readAllBytes(f), s[0] + ": " + f.getFileName() + " differs from the committed "
                  + "fixture (rerun WriteSavedFixtures and make_hf_fixtures.py reload)");
        }
      }
      assertEquals(7, Files.list(committed).count(), "six model files and the reference");
    }
  }
}
