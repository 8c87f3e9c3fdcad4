package io.dualign;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The architecture of lib's main code: the layer order of docs/development.md (a package imports
 * only its own layer and those below), no cycle between packages, {@code dual} free of Spark and
 * DJL, and no SparkSession made here (the jobs make it).
 */
class ArchitectureTest {
  /** The layers, bottom first: each is {@code io.dualign.<layer>} and its sub-packages. */
  static final List<String> LAYERS = List.of("vocabulary", "dual", "config", "run", "text",
      "data", "model", "train", "spark", "algo", "eval", "track", "report");

  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
      .importPackages("io.dualign");

  @Test
  void theLayerOrderIsTheDocumentedOne() throws IOException {
    Pattern order = Pattern.compile("^\\s*[a-z]+( < [a-z]+)+\\s*$");
    List<String> lines = Files.readAllLines(Path.of("..", "docs", "development.md")).stream()
        .filter(l -> order.matcher(l).matches()).toList();
    assertEquals(1, lines.size(), "docs/development.md has one layer-order line: " + lines);
    assertEquals(LAYERS, List.of(lines.get(0).trim().split(" < ")));
  }

  @Test
  void everyPackageIsInALayer() {
    String[] patterns = LAYERS.stream().map(l -> "io.dualign." + l + "..").toArray(String[]::new);
    classes().should().resideInAnyPackage(patterns).check(MAIN);
  }

  @Test
  void aPackageImportsNoLayerAboveIt() {
    LayeredArchitecture arch = layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (String l : LAYERS) {
      arch = arch.layer(l).definedBy("io.dualign." + l + "..");
    }
    for (int i = 0; i < LAYERS.size(); i++) {
      List<String> above = LAYERS.subList(i + 1, LAYERS.size());
      arch = above.isEmpty() ? arch.whereLayer(LAYERS.get(i)).mayNotBeAccessedByAnyLayer()
          : arch.whereLayer(LAYERS.get(i)).mayOnlyBeAccessedByLayers(above.toArray(String[]::new));
    }
    arch.check(MAIN);
  }

  @Test
  void noCycleBetweenPackages() {
    slices().matching("io.dualign.(**)").should().beFreeOfCycles().check(MAIN);
  }

  @Test
  void dualIsPureMaths() {
    noClasses().that().resideInAPackage("io.dualign.dual..").should().dependOnClassesThat()
        .resideInAnyPackage("org.apache.spark..", "org.apache.hadoop..", "scala..", "ai.djl..")
        .check(MAIN);
  }

  @Test
  void libMakesNoSparkSession() {
    noClasses().should().callMethod(SparkSession.class, "builder")
        .orShould().callMethod(SparkSession.Builder.class, "getOrCreate")
        .check(MAIN);
  }
}
