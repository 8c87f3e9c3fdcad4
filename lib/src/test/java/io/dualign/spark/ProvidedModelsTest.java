package io.dualign.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.model.ModelFormat;
import io.dualign.model.torchscript.TorchScriptBundle;
import io.dualign.vocabulary.Stage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models given in the config instead of trained ({@code model.policy}, {@code model.reward},
 * {@code model.cost}): the marker a provided stage commits, and the refusals, each naming the key
 * and the value.
 */
class ProvidedModelsTest {
  @TempDir Path tmp;

  @Test
  void aProvidedBundleIsRecordedWithItsVersion() throws Exception {
    Path policy = TorchScriptRolloutsTest.fixture("policy");
    Map<String, Object> m = RunModels.provide(Stage.SFT, policy.toString(), new Configuration());
    assertEquals(true, m.get(RunModels.PROVIDED));
    assertEquals("model.policy", m.get("config_key"));
    assertEquals("torchscript", m.get("model_format"));
    assertEquals(TorchScriptBundle.open(policy).manifest().version(), m.get("model_version"));
    assertEquals(ModelRef.of(policy.toString(), new Configuration()).uri(), m.get("model_uri"));
  }

  @Test
  void theWrongKindOfModelIsRefusedNamingTheKey() throws Exception {
    Path policy = TorchScriptRolloutsTest.fixture("policy");
    Path score = TorchScriptRolloutsTest.fixture("score");
    IOException e = assertThrows(IOException.class,
        () -> RunModels.provide(Stage.TRAIN_COST, policy.toString(), new Configuration()));
    assertTrue(e.getMessage().startsWith("model.cost = " + policy + " is a torchscript "
        + "'causal-lm' model; train-cost needs a score model"), e.getMessage());
    IOException e2 = assertThrows(IOException.class,
        () -> RunModels.provide(Stage.SFT, score.toString(), new Configuration()));
    assertTrue(e2.getMessage().contains("sft needs a causal language model"), e2.getMessage());
    IOException e3 = assertThrows(IOException.class,
        () -> RunModels.provide(Stage.TRAIN_REWARD, tmp.toString(), new Configuration()));
    assertTrue(e3.getMessage().startsWith("model.reward = " + tmp + ": no model in "),
        e3.getMessage());
  }

  @Test
  void aBundleWithoutRecordedSha256CannotBeARunModel() throws Exception {
    Path copy = tmp.resolve("unverified");
    TorchScriptRolloutsTest.copy(TorchScriptRolloutsTest.fixture("score"), copy);
    Path manifest = copy.resolve("torchscript.json");
    Files.writeString(manifest, Files.readString(manifest)
        .replaceAll("\"model_sha256\" : \"[0-9a-f]+\"", "\"model_sha256\" : null")
        .replaceAll("\"model_sha256\": \"[0-9a-f]+\"", "\"model_sha256\": null"));
    assertEquals(ModelFormat.TORCHSCRIPT, ModelFormat.detect(
        org.apache.hadoop.fs.FileSystem.getLocal(new Configuration()),
        new org.apache.hadoop.fs.Path(copy.toString())));
    IOException e = assertThrows(IOException.class,
        () -> ModelRef.of(copy.toString(), new Configuration()));
    assertTrue(e.getMessage().contains("records no model_sha256"), e.getMessage());
  }
}
