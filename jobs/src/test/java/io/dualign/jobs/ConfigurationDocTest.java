package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dualign.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code docs/configuration.md} is exactly what {@link ConfigurationDoc} renders from the declarations. */
class ConfigurationDocTest {

  @Test
  void theConfigurationPageMatchesTheDeclarations() throws Exception {
    Path page = ProjectFiles.root().resolve(ConfigurationDoc.PATH);
    String expected = ConfigurationDoc.render(ConfigLoader.fromClasspath());
    String actual = Files.isRegularFile(page) ? Files.readString(page) : "";
    assertTrue(expected.equals(actual), () -> ConfigurationDoc.PATH + " disagrees with "
        + "conf/dualign.conf (a key, default, range, profile value or comment changed); "
        + "regenerate it from the project root with:\n  " + ConfigurationDoc.REGENERATE + "\n"
        + firstDifference(expected, actual));
  }

  /** The first line where the two texts differ, both ways. */
  static String firstDifference(String expected, String actual) {
    List<String> e = expected.lines().toList();
    List<String> a = actual.lines().toList();
    for (int i = 0; i < Math.max(e.size(), a.size()); i++) {
      String x = i < e.size() ? e.get(i) : "(end of page)";
      String y = i < a.size() ? a.get(i) : "(end of file)";
      if (!x.equals(y)) {
        return "first difference, line " + (i + 1) + ":\n  rendered: " + x + "\n  in file:  " + y;
      }
    }
    return "the texts differ in line endings only";
  }

  @Test
  void theDifferenceNamesTheFirstLineThatDiffers() {
    assertEquals("first difference, line 2:\n  rendered: b\n  in file:  c",
        firstDifference("a\nb\n", "a\nc\n"));
    assertEquals("first difference, line 2:\n  rendered: b\n  in file:  (end of file)",
        firstDifference("a\nb\n", "a\n"));
  }

  @Test
  void everyKeyIsListedWithItsDefaultRangeAndProfileValues() {
    ConfigLoader loader = ConfigLoader.fromClasspath();
    String page = ConfigurationDoc.render(loader);
    for (String key : loader.declarations().keySet()) {
      assertTrue(page.contains("- **`" + key + "`** = `"), key);
    }
    assertTrue(page.contains("- **`runtime.djlThreadsPerTask`** = `2` — an integer in [1, 256]. "
        + "PyTorch intra-op threads per task"), page);
    assertTrue(page.contains("- **`runtime.modelDelivery`** = `\"auto\"` — one of auto, shared, "
        + "broadcast."), page);
    assertTrue(page.contains("- **`dual.sweep`** = `[]` — a list (may be empty) of number in "
        + "[-1000000, 1000000]."), page);
    assertTrue(page.contains("<br>Profiles: tiny `"), page);
    assertTrue(page.contains("default `3000`"), "data.syntheticPairs of the default profile");
    assertTrue(page.contains("\n### dual.oneShot\n"), page);
    assertTrue(page.indexOf("\n### run\n") < page.indexOf("\n### runtime\n")
        && page.indexOf("\n### runtime\n") < page.indexOf("\n### data\n"), "file order");
    assertTrue(page.contains("utility_&lt;name&gt;"), "angle brackets escaped");
  }
}
