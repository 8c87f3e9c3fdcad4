package io.dualign.model.hf;

import ai.djl.Device;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code WriteSavedFixtures} writes the folders of {@code src/test/resources/hf/saved-by-dualign}:
 * fixtures loaded and saved by dualign's {@link HfCheckpoint#save} ({@code llama-gqa-tied}: a
 * sharded, tied model written as one file without the tied head; {@code qwen2} in float16).
 * {@code make_hf_fixtures.py reload} then records transformers' logits on each
 * ({@code reload-reference.json}), which {@code HfSavedFolderTest} compares. Run from lib/:
 *
 * <pre>
 *   java -cp target/classes:target/test-classes:$(cat cp.txt) io.dualign.model.hf.WriteSavedFixtures
 * </pre>
 */
public final class WriteSavedFixtures {
  /** (fixture, dtype) pairs written. */
  static final List<String[]> SAVED = List.of(new String[] {"llama-gqa-tied", "float32"},
      new String[] {"qwen2", "float16"});

  private WriteSavedFixtures() {}

  public static void main(String[] args) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    for (String[] s : SAVED) {
      write(fs, HfParityTest.FIXTURES.resolve(s[0]), s[1],
          HfParityTest.FIXTURES.resolve("saved-by-dualign").resolve(s[0] + "-" + s[1]));
    }
  }

  static String write(FileSystem fs, Path from, String dtype, Path to) throws Exception {
    try (HfCheckpoint.Loaded m = HfCheckpoint.load(fs, new org.apache.hadoop.fs.Path(
        from.toAbsolutePath().toUri()), Device.cpu(), dtype)) {
      return HfCheckpoint.save(m, fs, new org.apache.hadoop.fs.Path(to.toAbsolutePath().toUri()));
    }
  }

  static Path fixture(String name) {
    return Paths.get("src/test/resources/hf/saved-by-dualign", name);
  }
}
