package io.dualign.model.torchscript;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * {@code TorchScriptArchive} checks that a file is a TorchScript archive ({@code torch.jit.save}) and not a Python
 * pickle ({@code torch.save}) before any native code reads it.
 *
 * <p>A TorchScript archive is a zip file whose single top folder holds {@code constants.pkl} and a {@code code/}
 * folder with the serialized TorchScript program. {@code torch.save} checkpoints have neither, and legacy pickles are
 * not zip files at all; both are rejected, as is any name not ending in {@code .pt}.
 */
public final class TorchScriptArchive {
  private TorchScriptArchive() {}

  /** Fails with a message naming the file unless it is a {@code .pt} TorchScript archive. */
  public static void check(Path file) throws IOException {
    String name = file.getFileName().toString();
    if (!name.endsWith(".pt")) {
      throw new IOException("only TorchScript .pt files are accepted, got " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw new IOException("TorchScript model file not found: " + file);
    }
    boolean hasCode = false;
    boolean hasConstants = false;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        String entry = e.nextElement().getName();
        int slash = entry.indexOf('/');
        String inner = slash < 0 ? entry : entry.substring(slash + 1);
        hasCode |= inner.startsWith("code/");
        hasConstants |= inner.equals("constants.pkl");
      }
    } catch (java.util.zip.ZipException e) {
      throw new IOException("not a TorchScript archive (not a zip file; a legacy pickle?): " + file, e);
    }
    if (!hasCode || !hasConstants) {
      throw new IOException("not a TorchScript archive (no code/ or constants.pkl; a torch.save pickle?): " + file
          + ". Export with torch.jit.trace/script and torch.jit.save");
    }
  }
}
