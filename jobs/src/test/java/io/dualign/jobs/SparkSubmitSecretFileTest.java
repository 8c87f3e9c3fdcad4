package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.deploy.SparkSubmitArguments;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Checks, with Spark's own spark-submit argument parser, the way the standalone template expects
 * the secret: the template as spark-defaults.conf, the secret in its own file given with
 * {@code --properties-file ... --load-spark-defaults}. The application then sees both.
 */
class SparkSubmitSecretFileTest {
  private static final String SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

  private static Map<String, String> submit(Path confDir, List<String> args) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("SPARK_CONF_DIR", confDir.toString());
    SparkSubmitArguments parsed = new SparkSubmitArguments(
        CollectionConverters.asScala(args).toList(),
        scala.collection.immutable.Map$.MODULE$.from(CollectionConverters.asScala(env)));
    return new HashMap<>(CollectionConverters.asJava(parsed.sparkProperties()));
  }

  @Test
  void secretFileAndStandaloneTemplateReachTheApplicationTogether() throws Exception {
    Path conf = Files.createTempDirectory("spark-conf");
    Path template = ProjectFiles.template("standalone");
    Files.copy(template, conf.resolve("spark-defaults.conf"));
    Path secret = Files.createTempDirectory("secrets").resolve("spark-auth.properties");
    Files.writeString(secret, "spark.authenticate.secret " + SECRET + "\n");
    Path jar = Files.createTempFile("dualign", ".jar");

    Map<String, String> props = submit(conf, List.of("--properties-file", secret.toString(),
        "--load-spark-defaults", "--class", "io.dualign.jobs.Dualign", jar.toString(), "demo"));

    assertEquals(SECRET, props.get("spark.authenticate.secret"));
    Properties expected = ProjectFiles.sparkProperties(template);
    for (String key : expected.stringPropertyNames()) {
      assertEquals(expected.getProperty(key), props.get(key), key + " of the template");
    }

    // Without --load-spark-defaults Spark ignores the template: the flag is required.
    Map<String, String> without = submit(conf, List.of("--properties-file", secret.toString(),
        "--class", "io.dualign.jobs.Dualign", jar.toString(), "demo"));
    assertEquals(SECRET, without.get("spark.authenticate.secret"));
    assertFalse(without.containsKey("spark.executor.extraJavaOptions"));
  }
}
