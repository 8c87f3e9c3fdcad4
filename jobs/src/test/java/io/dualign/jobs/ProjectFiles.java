package io.dualign.jobs;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * {@code ProjectFiles} finds the files of this repository that deployment tests check: the project
 * root, the root pom's properties, the spark-defaults templates and the docker/ folder.
 */
final class ProjectFiles {
  static final List<String> CLUSTER_MANAGERS = List.of("standalone", "yarn", "kubernetes");

  private ProjectFiles() {}

  /** The project root: the nearest folder above the working directory whose pom is dualign-parent. */
  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path pom = d.resolve("pom.xml");
      try {
        if (Files.isRegularFile(pom)
            && Files.readString(pom).contains("<artifactId>dualign-parent</artifactId>")
            && Files.readString(pom).contains("<modules>")) {
          return d;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    throw new IllegalStateException("no dualign-parent pom.xml above " + dir);
  }

  /** A property of the root pom, e.g. {@code spark.version} or {@code dualign.jvm.flags}. */
  static String pomProperty(String name) {
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      Document doc = f.newDocumentBuilder().parse(root().resolve("pom.xml").toFile());
      NodeList props = doc.getElementsByTagName("properties");
      NodeList values = ((org.w3c.dom.Element) props.item(0)).getElementsByTagName(name);
      if (values.getLength() != 1) {
        throw new IllegalStateException("root pom has no property " + name);
      }
      return values.item(0).getTextContent().trim();
    } catch (Exception e) {
      throw new IllegalStateException("cannot read property " + name + " of the root pom", e);
    }
  }

  /** The spark-defaults template of a cluster manager. */
  static Path template(String clusterManager) {
    return root().resolve("conf/spark-defaults." + clusterManager + ".conf");
  }

  /** A spark-defaults file read the way Spark reads it (java.util.Properties, UTF-8, trimmed). */
  static Properties sparkProperties(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Properties trimmed = new Properties();
    p.stringPropertyNames().forEach(k -> trimmed.setProperty(k, p.getProperty(k).trim()));
    return trimmed;
  }
}
