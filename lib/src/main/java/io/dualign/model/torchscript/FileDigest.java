package io.dualign.model.torchscript;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** {@code FileDigest} computes and checks the sha256 of model and tokenizer files. */
public final class FileDigest {
  private FileDigest() {}

  /** The lower-case hex sha256 of a file's bytes. */
  public static String sha256(Path file) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JVM", e);
    }
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Fails unless {@code file}'s sha256 equals {@code expected} (hex, any case); the message names both values. */
  public static void verify(Path file, String expected) throws IOException {
    String actual = sha256(file);
    if (!actual.equals(expected.toLowerCase(Locale.ROOT))) {
      throw new IOException("sha256 mismatch for " + file + ": recorded " + expected + ", file has " + actual);
    }
  }
}
