package io.dualign.model.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptBundleTest {

  private static Path copy(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    for (String f : new String[] {"model.pt", "tokenizer.json", TorchScriptManifest.FILE_NAME}) {
      Files.copy(from.resolve(f), to.resolve(f));
    }
    return to;
  }

  private static void editManifest(Path dir, String from, String to) throws IOException {
    Path m = dir.resolve(TorchScriptManifest.FILE_NAME);
    String s = Files.readString(m);
    assertTrue(s.contains(from), "manifest lacks " + from);
    Files.writeString(m, s.replace(from, to));
  }

  @Test
  void opensTheFixtureAndVerifiesItsSha256() throws Exception {
    TorchScriptBundle b = TorchScriptBundle.open(Reference.POLICY, ModelKind.CAUSAL_LM);
    assertTrue(b.verified());
    assertEquals(FileDigest.sha256(b.modelPath()), b.manifest().modelSha256());
    assertEquals(66, b.manifest().vocabSize());
    assertEquals(1L, b.manifest().eosTokenId());
    assertEquals(0L, b.manifest().padTokenId());
  }

  @Test
  void rejectsAModelWhoseSha256DiffersFromTheRecordedOne(@TempDir Path tmp) throws Exception {
    Path dir = copy(Reference.POLICY, tmp.resolve("b"));
    String recorded = TorchScriptManifest.read(dir).modelSha256();
    editManifest(dir, recorded, "0".repeat(64));
    IOException e = assertThrows(IOException.class, () -> TorchScriptBundle.open(dir));
    assertTrue(e.getMessage().contains("sha256 mismatch") && e.getMessage().contains(recorded), e.getMessage());
  }

  @Test
  void rejectsATamperedTokenizer(@TempDir Path tmp) throws Exception {
    Path dir = copy(Reference.POLICY, tmp.resolve("b"));
    Files.writeString(dir.resolve("tokenizer.json"), " ", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    IOException e = assertThrows(IOException.class, () -> TorchScriptBundle.open(dir));
    assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
  }

  @Test
  void rejectsPicklesEvenWithoutARecordedSha256(@TempDir Path tmp) throws Exception {
    Path dir = copy(Reference.POLICY, tmp.resolve("b"));
    editManifest(dir, "\"" + TorchScriptManifest.read(dir).modelSha256() + "\"", "null");
    // a torch.save-style zip: data.pkl and tensors, no TorchScript code
    try (OutputStream os = Files.newOutputStream(dir.resolve("model.pt"));
        ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.putNextEntry(new ZipEntry("archive/data.pkl"));
      zip.write(new byte[] {(byte) 0x80, 2, '.'});
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry("archive/version"));
      zip.write("3\n".getBytes(StandardCharsets.US_ASCII));
      zip.closeEntry();
    }
    IOException e = assertThrows(IOException.class, () -> TorchScriptBundle.open(dir));
    assertTrue(e.getMessage().contains("not a TorchScript archive"), e.getMessage());
    // a legacy (non-zip) pickle
    Files.write(dir.resolve("model.pt"), new byte[] {(byte) 0x80, 2, '}', 'q', 0, '.'});
    e = assertThrows(IOException.class, () -> TorchScriptBundle.open(dir));
    assertTrue(e.getMessage().contains("not a TorchScript archive"), e.getMessage());
  }

  @Test
  void rejectsOtherFileTypesAndWrongKinds(@TempDir Path tmp) throws Exception {
    Path dir = copy(Reference.POLICY, tmp.resolve("b"));
    editManifest(dir, "\"model_file\": \"model.pt\"", "\"model_file\": \"model.bin\"");
    IOException e = assertThrows(IOException.class, () -> TorchScriptBundle.open(dir));
    assertTrue(e.getMessage().contains("model.bin"), e.getMessage());

    e = assertThrows(IOException.class, () -> TorchScriptBundle.open(Reference.SCORE, ModelKind.CAUSAL_LM));
    assertTrue(e.getMessage().contains("'score'") && e.getMessage().contains("'causal-lm'"), e.getMessage());
  }

  @Test
  void rejectsAManifestWhoseEosIdDisagreesWithTheTokenizer(@TempDir Path tmp) throws Exception {
    Path dir = copy(Reference.POLICY, tmp.resolve("b"));
    editManifest(dir, "\"eos_token_id\": 1", "\"eos_token_id\": 5");
    IOException e = assertThrows(IOException.class, () -> BundleTokenizer.load(TorchScriptBundle.open(dir)));
    assertTrue(e.getMessage().contains("eos_token_id=5"), e.getMessage());
  }
}
