package io.dualign.model.torchscript;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A {@code TorchScriptBundle} is a folder holding a TorchScript model, its {@code tokenizer.json} and the
 * {@code torchscript.json} manifest, after its files were checked.
 *
 * <p>Opening a bundle checks that the model file is a TorchScript archive (never a pickle) and, when the manifest
 * records sha256 sums, that the model and tokenizer files have them. Nothing is loaded yet.
 *
 * @param dir the bundle folder
 * @param manifest its manifest
 */
public record TorchScriptBundle(Path dir, TorchScriptManifest manifest) {

  /** The model file. */
  public Path modelPath() {
    return dir.resolve(manifest.modelFile());
  }

  /** The tokenizer file. */
  public Path tokenizerPath() {
    return dir.resolve(manifest.tokenizerFile());
  }

  /** Whether the manifest recorded a model sha256 (and so it was verified). */
  public boolean verified() {
    return manifest.modelSha256() != null;
  }

  /** Reads the manifest in {@code dir} and checks the files it names; errors name the file and the values. */
  public static TorchScriptBundle open(Path dir) throws IOException {
    TorchScriptManifest m = TorchScriptManifest.read(dir);
    TorchScriptBundle b = new TorchScriptBundle(dir, m);
    TorchScriptArchive.check(b.modelPath());
    if (m.modelSha256() != null) {
      FileDigest.verify(b.modelPath(), m.modelSha256());
    } else {
      org.slf4j.LoggerFactory.getLogger(TorchScriptBundle.class)
          .warn("TorchScript bundle {} records no model_sha256: {} is loaded unverified", dir, b.modelPath());
    }
    if (m.tokenizerSha256() != null) {
      FileDigest.verify(b.tokenizerPath(), m.tokenizerSha256());
    }
    return b;
  }

  /** Opens a bundle and fails unless its model is of the {@code expected} kind. */
  public static TorchScriptBundle open(Path dir, ModelKind expected) throws IOException {
    TorchScriptBundle b = open(dir);
    if (b.manifest.kind() != expected) {
      throw new IOException("TorchScript bundle " + dir + " holds a '" + b.manifest.kind().id()
          + "' model, expected '" + expected.id() + "'");
    }
    return b;
  }
}
