package io.dualign.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code doctor} and a stage that writes a run directory ({@code prepare}: manifest, tables,
 * marker) with Spark authentication on and a shared secret set
 * the way Spark reads it (the {@code spark.authenticate.secret} system property, with the security
 * settings of the standalone template), then looks for the secret (raw, base64, hex) in every file
 * of the run directory and of Spark's local directory, in the command's output and in the log:
 * it must appear nowhere.
 */
class SecretsDoNotLeakTest {
  private static final List<String> SECURITY_KEYS = List.of("spark.authenticate",
      "spark.network.crypto.enabled", "spark.io.encryption.enabled", "spark.acls.enable",
      "spark.admin.acls");

  @Test
  void runDirectoryOutputAndLogNeverHoldTheSecret(@TempDir Path tmp) throws Exception {
    String secret = "dualign-leak-probe-" + UUID.randomUUID();
    Properties template = ProjectFiles.sparkProperties(ProjectFiles.template("standalone"));
    Map<String, String> props = new HashMap<>();
    for (String key : SECURITY_KEYS) {
      props.put(key, template.getProperty(key));
    }
    props.put("spark.authenticate.secret", secret);
    props.put("spark.local.dir", tmp.resolve("spark-local").toString());
    props.put("spark.ui.enabled", "false");

    StringWriter log = new StringWriter();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration cfg = ctx.getConfiguration();
    LoggerConfig rootLogger = cfg.getRootLogger();
    Level rootLevel = rootLogger.getLevel();
    WriterAppender appender = WriterAppender.createAppender(
        PatternLayout.newBuilder().withPattern("%d %-5p %c: %m%n").build(), null, log,
        "secret-probe", false, true);
    appender.start();
    rootLogger.addAppender(appender, Level.INFO, null);
    rootLogger.setLevel(Level.INFO);
    ctx.updateLoggers();

    Map<String, String> saved = new HashMap<>();
    props.forEach((k, v) -> saved.put(k, System.getProperty(k)));
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String runDir = tmp.resolve("run").toString();
    int doctor;
    int prepare;
    try {
      props.forEach(System::setProperty);
      PrintStream tee = new PrintStream(console, true, StandardCharsets.UTF_8);
      System.setOut(tee);
      System.setErr(tee);
      String[] common = {"--run-dir", runDir, "--master", "local[2]", "--profile", "tiny"};
      doctor = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true),
          concat("doctor", common));
      prepare = Dualign.execute(new PrintWriter(out, true), new PrintWriter(err, true),
          concat("prepare", withSet(common, "data.syntheticPairs=200")));
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
      saved.forEach((k, v) -> {
        if (v == null) {
          System.clearProperty(k);
        } else {
          System.setProperty(k, v);
        }
      });
      rootLogger.removeAppender("secret-probe");
      rootLogger.setLevel(rootLevel);
      ctx.updateLoggers();
      appender.stop();
    }

    String output = out + "\n" + err;
    assertEquals(0, doctor, output);
    assertEquals(Dualign.OK, prepare, output);
    assertTrue(Files.isRegularFile(Path.of(runDir, "manifest.json")), "prepare wrote no manifest");
    assertTrue(Files.isRegularFile(Path.of(runDir, "prepare", "_SUCCESS.json")),
        "prepare did not commit");
    assertTrue(output.contains("doctor: all OK"), output);
    // The probes saw what they were meant to see: Spark's log, from a session with these settings.
    String logText = log.toString();
    assertTrue(logText.contains("org.apache.spark.SparkContext"), "no Spark log captured: " + logText);
    assertTrue(logText.contains("io.dualign.jobs.StageContext"), "no dualign log captured");
    assertTrue(logText.contains("authentication enabled"), "Spark did not run with authentication");

    List<String> forms = List.of(secret,
        Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)),
        HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8)));
    Map<String, String> texts = new HashMap<>();
    texts.put("command output", output);
    texts.put("console", console.toString(StandardCharsets.UTF_8));
    texts.put("log", logText);
    List<Path> files = new ArrayList<>();
    try (Stream<Path> all = Files.walk(tmp)) {
      all.filter(Files::isRegularFile).forEach(files::add);
    }
    assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals("manifest.json")));
    for (Path f : files) {
      texts.put(f.toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
    }
    for (Map.Entry<String, String> t : texts.entrySet()) {
      for (String form : forms) {
        assertFalse(t.getValue().contains(form), "the secret appears in " + t.getKey());
      }
    }
  }

  private static String[] withSet(String[] args, String keyValue) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--set";
    all[args.length + 1] = keyValue;
    return all;
  }

  private static String[] concat(String first, String... rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
