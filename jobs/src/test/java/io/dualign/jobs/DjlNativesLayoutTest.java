package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks, with DJL itself, the way the image and the templates hand natives to DJL: a libtorch
 * folder in DJL's cache layout (what docker/fetch-djl-natives.sh makes, JNI library included) named
 * by {@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_VERSION}, {@code PYTORCH_FLAVOR} and
 * {@code DJL_CACHE_DIR}, in an offline JVM that also has the CPU natives jar on its classpath (as
 * the fat jar does). DJL must load libtorch from that folder, extract nothing and download nothing.
 * No GPU here, so the folder holds the CPU build; on GPU nodes it holds the cu128 build. (Without a
 * GPU DJL 0.36 derives flavor "cpu" by itself, so this test cannot show why the templates pin
 * {@code PYTORCH_FLAVOR}: on a GPU node DJL derives "cu" + the CUDA version it detects, which need
 * not be 128, and then finds no JNI library for it.)
 */
class DjlNativesLayoutTest {
  private static final String CLASSIFIER = "linux-x86_64";

  private static void copyResource(String name, Path target) throws Exception {
    try (InputStream in = DjlNativesLayoutTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no " + name + " on the test classpath");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  void djlLoadsLibtorchFromTheFolderTheEnvironmentNames() throws Exception {
    String pytorch = ProjectFiles.pomProperty("pytorch.version");
    String djl = ProjectFiles.pomProperty("djl.version");
    Properties nativeProps = new Properties();
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("native/lib/pytorch.properties")) {
      nativeProps.load(in);
    }
    String flavor = nativeProps.getProperty("flavor");
    assertEquals("cpu", flavor, "the test classpath carries DJL's CPU natives");

    Path cache = Files.createTempDirectory("djl-cache");
    Path lib = cache.resolve("pytorch/" + pytorch + "-" + flavor + "-" + CLASSIFIER);
    Files.createDirectories(lib);
    for (String file : nativeProps.getProperty("libraries").split(",")) {
      copyResource("pytorch/" + flavor + "/" + CLASSIFIER + "/" + file, lib.resolve(file));
    }
    copyResource("jnilib/" + CLASSIFIER + "/" + flavor + "/libdjl_torch.so",
        lib.resolve(djl + "-libdjl_torch.so"));
    List<String> before = listing(cache);

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(ProjectFiles.pomProperty("dualign.jvm.flags").split(" ")));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DjlNativesProbe.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("DJL_CACHE_DIR", cache.toString());
    pb.environment().put("PYTORCH_LIBRARY_PATH", lib.toString());
    pb.environment().put("PYTORCH_VERSION", pytorch);
    pb.environment().put("PYTORCH_FLAVOR", flavor);
    pb.environment().remove("ENGINE_CACHE_DIR");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);

    assertTrue(out.contains("libtorch=" + lib + "\n"), "libtorch not loaded from " + lib + ": " + out);
    assertTrue(out.contains("version=" + pytorch + "\n"), out);
    assertTrue(out.contains("sum=10.0\n"), out);
    assertEquals(before, listing(cache), "DJL extracted or downloaded files into its cache");
  }

  private static List<String> listing(Path dir) throws Exception {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.map(dir::relativize).map(Path::toString).sorted().toList();
    }
  }
}
