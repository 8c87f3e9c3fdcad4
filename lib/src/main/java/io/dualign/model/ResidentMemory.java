package io.dualign.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * {@code ResidentMemory} is this process's resident memory as Linux reports it in
 * {@code /proc/self/status}: the current size (VmRSS) and the peak (VmHWM), which
 * {@link #resetPeak} brings down to the current size through {@code /proc/self/clear_refs}. What
 * the memory plan is measured against and the benches report.
 */
public final class ResidentMemory {
  private ResidentMemory() {}

  /** Resets the peak (VmHWM) to the current resident size and returns that size in bytes. */
  public static long resetPeak() throws IOException {
    Files.writeString(Paths.get("/proc/self/clear_refs"), "5");
    return field("VmRSS");
  }

  /** The peak resident size (VmHWM) in bytes. */
  public static long peak() throws IOException {
    return field("VmHWM");
  }

  private static long field(String name) throws IOException {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IOException("no " + name + " in /proc/self/status");
  }
}
