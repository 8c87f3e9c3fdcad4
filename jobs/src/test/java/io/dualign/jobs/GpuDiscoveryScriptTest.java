package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code conf/gpu-discovery.sh} against a fake {@code nvidia-smi} first on PATH (the only
 * entry on PATH, so no real one can interfere) and without one.
 */
class GpuDiscoveryScriptTest {
  private static final Path SCRIPT = ProjectFiles.root().resolve("conf/gpu-discovery.sh");

  /** What one run printed and returned. */
  private record Run(int exit, String stdout, String stderr) {}

  private static Run run(Path pathDir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("/bin/bash", SCRIPT.toString());
    pb.environment().put("PATH", pathDir.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    String err = new String(p.getErrorStream().readAllBytes());
    return new Run(p.waitFor(), out, err);
  }

  /** A folder holding an nvidia-smi that checks its arguments, prints {@code body}, exits {@code code}. */
  private static Path fakeNvidiaSmi(String body, int code) throws Exception {
    Path dir = Files.createTempDirectory("fake-nvidia");
    Path smi = dir.resolve("nvidia-smi");
    Files.writeString(dir.resolve("output"), body);
    Files.writeString(smi, "#!/bin/bash\n"
        + "[ \"$*\" = \"--query-gpu=index --format=csv,noheader\" ] || { echo \"bad args: $*\" >&2; exit 97; }\n"
        + "/bin/cat \"${0%/*}/output\"\nexit " + code + "\n");
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  @Test
  void printsSparksResourceJsonForEveryGpuNvidiaSmiReports() throws Exception {
    Run r = run(fakeNvidiaSmi("0\n1\n", 0));
    assertEquals(0, r.exit(), r.stderr());
    assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}\n", r.stdout());
    assertEquals("", r.stderr());

    Run one = run(fakeNvidiaSmi(" 3 \n", 0));
    assertEquals(0, one.exit(), one.stderr());
    assertEquals("{\"name\":\"gpu\",\"addresses\":[\"3\"]}\n", one.stdout());
  }

  @Test
  void outputParsesAsSparkResourceInformation() throws Exception {
    Run r = run(fakeNvidiaSmi("0\n1\n2\n", 0));
    org.apache.spark.resource.ResourceInformation info =
        org.apache.spark.resource.ResourceInformation.parseJson(r.stdout().trim());
    assertEquals("gpu", info.name());
    assertEquals(List.of("0", "1", "2"), List.of(info.addresses()));
  }

  @Test
  void failsClearlyWhenNvidiaSmiIsAbsent() throws Exception {
    Run r = run(Files.createTempDirectory("empty-path"));
    assertEquals(1, r.exit());
    assertEquals("", r.stdout());
    assertTrue(r.stderr().contains("nvidia-smi not found on PATH"), r.stderr());
  }

  @Test
  void failsClearlyWhenNvidiaSmiFailsOrFindsNothing() throws Exception {
    Run broken = run(fakeNvidiaSmi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver", 9));
    assertEquals(1, broken.exit());
    assertEquals("", broken.stdout());
    assertTrue(broken.stderr().contains("failed with exit code 9")
        && broken.stderr().contains("couldn't communicate"), broken.stderr());

    Run none = run(fakeNvidiaSmi("", 0));
    assertEquals(1, none.exit());
    assertTrue(none.stderr().contains("found no GPU"), none.stderr());

    Run garbage = run(fakeNvidiaSmi("0\nNo devices were found\n", 0));
    assertEquals(1, garbage.exit());
    assertEquals("", garbage.stdout());
    assertTrue(garbage.stderr().contains("'No devices were found'"), garbage.stderr());
  }
}
