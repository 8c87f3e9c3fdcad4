package io.dualign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.dualign.text.BpeTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  private static final List<long[]> PROMPTS = List.of(new long[] {3, 4, 5, 6}, new long[] {7});
  private static final List<long[]> RESPONSES = List.of(new long[] {8, 9}, new long[] {10, 11, 0});

  private static java.nio.file.Path tokenizer(java.nio.file.Path dir) throws IOException {
    java.nio.file.Path f = dir.resolve("tok.json");
    // 258 ids: the tiny test model's 64-id vocabulary cannot hold it, so use a wider model here.
    new BpeTrainer(258).train(List.of("a b")).write(f);
    return f;
  }

  static ModelArchitecture arch(ModelArchitecture.Head head) {
    return new ModelArchitecture(head, 260, 32, 32, 2, 4, 64);
  }

  @Test
  void roundTripGivesIdenticalOutputs(@TempDir java.nio.file.Path tmp) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path dir = new Path(tmp.resolve("ckpt").toString());
    TokenBatch batch = TokenBatch.of(PROMPTS, RESPONSES, 1, TokenBatch.Padding.RIGHT);
    try (BuiltInTransformer lm = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.LANGUAGE_MODEL), 9, Device.cpu())) {
      double[] before = SequenceLogProbs.sequenceValues(lm, batch);
      String version = Checkpoint.save(lm, tokenizer(tmp), fs, dir, Map.of("steps", 0));
      assertEquals(64, version.length());
      try (Checkpoint.Loaded loaded = Checkpoint.load(fs, dir, null, Device.cpu())) {
        assertEquals(version, loaded.version());
        assertEquals(lm.architecture(), loaded.arch());
        assertArrayEquals(before, SequenceLogProbs.sequenceValues(loaded.model(), batch), 0.0);
        assertEquals(0, loaded.tokenizer().eosId());
        assertEquals(lm.parameterCount(), loaded.model().parameterCount());
        // float32 weights: 4 bytes per parameter is what the executor model cache counts
        assertEquals(4 * lm.parameterCount(), loaded.weightBytes());
      }
      // Saving the same weights again gives the same version; other weights another one.
      Path dir2 = new Path(tmp.resolve("ckpt2").toString());
      assertEquals(version, Checkpoint.save(lm, tokenizer(tmp), fs, dir2, Map.of()));
    }
    try (BuiltInTransformer other = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.LANGUAGE_MODEL), 10, Device.cpu())) {
      Path dir3 = new Path(tmp.resolve("ckpt3").toString());
      assertTrue(!Checkpoint.save(other, tokenizer(tmp), fs, dir3, Map.of())
          .equals(Checkpoint.meta(fs, dir).get("version")));
    }
  }

  @Test
  void wrongArchitectureFailsNamingBoth(@TempDir java.nio.file.Path tmp) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path dir = new Path(tmp.resolve("ckpt").toString());
    try (BuiltInTransformer lm = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.LANGUAGE_MODEL), 9, Device.cpu())) {
      Checkpoint.save(lm, tokenizer(tmp), fs, dir, Map.of());
    }
    ModelArchitecture wider = new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL, 260, 32,
        64, 2, 4, 64);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Checkpoint.load(fs, dir, wider, Device.cpu()));
    assertTrue(e.getMessage().contains("d=32") && e.getMessage().contains("d=64"), e.getMessage());
    IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
        () -> Checkpoint.load(fs, dir, arch(ModelArchitecture.Head.SCORE), Device.cpu()));
    assertTrue(h.getMessage().contains("LANGUAGE_MODEL(") && h.getMessage().contains("SCORE("),
        h.getMessage());
    ModelArchitecture multiQuery = new ModelArchitecture(ModelArchitecture.Head.LANGUAGE_MODEL, 260,
        32, 32, 2, 4, 64, 1);
    IllegalArgumentException kv = assertThrows(IllegalArgumentException.class,
        () -> Checkpoint.load(fs, dir, multiQuery, Device.cpu()));
    assertTrue(kv.getMessage().contains("kvHeads=4") && kv.getMessage().contains("kvHeads=1"),
        kv.getMessage());
  }

  @Test
  void corruptedWeightsAreRejected(@TempDir java.nio.file.Path tmp) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path dir = new Path(tmp.resolve("ckpt").toString());
    try (BuiltInTransformer lm = BuiltInTransformer.create(
        arch(ModelArchitecture.Head.SCORE), 9, Device.cpu())) {
      Checkpoint.save(lm, tokenizer(tmp), fs, dir, Map.of());
    }
    java.nio.file.Path w = tmp.resolve("ckpt").resolve(Checkpoint.WEIGHTS);
    byte[] bytes = Files.readAllBytes(w);
    bytes[bytes.length - 1] ^= 1;
    Files.write(w, bytes);
    IOException e = assertThrows(IOException.class, () -> Checkpoint.load(fs, dir, null,
        Device.cpu()));
    assertTrue(e.getMessage().contains(Checkpoint.WEIGHTS), e.getMessage());
  }
}
