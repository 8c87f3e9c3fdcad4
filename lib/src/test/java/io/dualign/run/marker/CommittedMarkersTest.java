package io.dualign.run.marker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The markers of a tiny pipeline run with a one-b sweep, as written before the markers had
 * records ({@code src/test/resources/markers/tiny-run}), load into their records with the values
 * they hold, declare every key they hold, and write back to the same JSON.
 */
class CommittedMarkersTest {
  private static final Path RUN = Path.of("src/test/resources/markers/tiny-run");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<Path> markers() throws IOException {
    try (Stream<Path> s = Files.walk(RUN)) {
      return s.filter(p -> p.getFileName().toString().equals("_SUCCESS.json")).sorted().toList();
    }
  }

  private static String output(Path marker) {
    return RUN.relativize(marker.getParent()).toString().replace('\\', '/');
  }

  private static <M> M load(String output, Class<M> type) {
    return Markers.read(RUN.resolve(output).resolve("_SUCCESS.json"), type);
  }

  /** Numbers compare by value (a long written as 5 reads back as an int node). */
  private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
    if (a.isNumber() && b.isNumber()) {
      return Double.compare(a.doubleValue(), b.doubleValue());
    }
    return a.equals(b) ? 0 : 1;
  };

  @Test
  void everyMarkerLoadsDeclaresItsKeysAndWritesBackTheSameJson() throws IOException {
    List<Path> all = markers();
    assertEquals(29, all.size(), "markers in the fixture run");
    for (Path p : all) {
      String output = output(p);
      StageMarker m = Markers.read(p, Markers.typeOf(output));
      assertEquals(output, m.output(), p.toString());
      assertTrue(m.finished().startsWith("2026-12-07T"), p.toString());
      // Only the figures named after a constraint are kept by name, outside the declared fields.
      List<String> undeclared = m.other().keySet().stream()
          .filter(k -> !k.matches("(mean_|delta_)?utility_[a-z0-9_]+")).toList();
      assertTrue(undeclared.isEmpty(), p + " holds keys its record does not declare: "
          + undeclared);
      JsonNode written = JSON.valueToTree(Markers.toMap(m));
      JsonNode original = JSON.readTree(Files.readAllBytes(p));
      assertTrue(original.equals(BY_VALUE, written), p + ": written back as " + written);
    }
  }

  @Test
  void stageMarkersHoldTheirValues() {
    PrepareMarker prepare = load("prepare", PrepareMarker.class);
    assertEquals("synthetic", prepare.input());
    assertEquals(2000L, prepare.pairs());
    assertEquals(Map.of("test", 182L, "train", 1818L), prepare.pairsBySplit());
    assertEquals(0L, prepare.quarantined());
    assertEquals(42L, prepare.seed());

    TrainingMarker sft = load("sft", TrainingMarker.class);
    assertFalse(sft.isProvided());
    assertEquals("model", sft.checkpoint());
    assertEquals(0.27732518451800253, sft.heldoutLoss());
    assertEquals(5L, sft.lossHistory().get(0).step());
    TrainingMarker cost = load("train-cost", TrainingMarker.class);
    assertEquals(sft.modelVersion(), cost.sftVersion());

    SampleRefMarker ref = load("sample-ref", SampleRefMarker.class);
    assertEquals(12L, ref.prompts());
    assertEquals(4, ref.samplesPerPrompt());
    assertEquals(48L, ref.rows());
    assertEquals(sft.modelVersion(), ref.policyVersion());
    assertInstanceOf(Double.class, ref.meanUtility("safety"));

    SolveDualMarker solve = load("solve-dual", SolveDualMarker.class);
    assertEquals(0.985, solve.lambda().get("safety"), 5e-4);
    assertTrue(solve.converged());

    AlignIterationMarker it1 = load("align/caid/iteration-1", AlignIterationMarker.class);
    assertEquals(1, it1.iteration());
    assertEquals("caid", it1.method());
    assertEquals(solve.lambda(), it1.lambda());
    SlackFigures u = it1.estimateOf("safety");
    assertEquals("relative", u.form());
    assertEquals(56L, u.n());
    assertEquals(u.slack() - 1.959963984540054 * u.stderr(), u.lower95(), 1e-9);
    AlignIterationMarker it2 = load("align/caid/iteration-2", AlignIterationMarker.class);
    assertEquals(it1.nextLambda(), it2.lambda());
    AlignIterationMarker oneshot = load("align/oneshot/iteration-1", AlignIterationMarker.class);
    assertNull(oneshot.estimate());
    assertEquals("none", oneshot.dualUpdate());

    AlignMethodMarker caid = load("align/caid", AlignMethodMarker.class);
    assertEquals(2, caid.iterations());
    assertEquals(List.of(it1.lambda(), it2.lambda()), caid.lambdaTrajectory());
    assertEquals(it2.lambda(), caid.finalLambda());
    assertEquals("iteration-2/model", caid.finalModel());
    AlignMarker align = load("align", AlignMarker.class);
    assertEquals(caid.finalLambda(), align.methods().get("caid").finalLambda());

    EvaluateMarker eval = load("evaluate", EvaluateMarker.class);
    assertEquals(32L, eval.prompts());
    PolicyFigures c2 = eval.policies().get("caid-2");
    assertEquals(0.15165849134791642, c2.deltaReward());
    assertEquals(0.19341196902678348, c2.deltaUtility("safety"));
    assertEquals(Boolean.TRUE, c2.constraintMet("safety"));
    assertTrue(eval.policies().containsKey("reference"));

    SweepThresholdMarker b0 = load("sweep/b=0", SweepThresholdMarker.class);
    assertEquals(0.0, b0.b());
    assertNull(b0.safeRlhfFinalLambda());
    SolveDualMarker b0Solve = load("sweep/b=0/solve-dual", SolveDualMarker.class);
    assertEquals(b0Solve.lambda().get("safety"), b0.lambdaStar());
    SweepMarker sweep = load("sweep", SweepMarker.class);
    assertEquals(List.of(0.0), sweep.thresholds());
    assertEquals(b0.caidFinalLambda(), sweep.byThreshold().get("sweep/b=0").caidFinalLambda());
    assertEquals(List.of(0.0), load("sweep/summary", SweepSummaryMarker.class).thresholds());
    ReportMarker report = load("report", ReportMarker.class);
    assertEquals("index.html", report.page());
    assertEquals(List.of(0.0), report.sweepThresholds());
  }

  @Test
  void aMissingRequiredFieldNamesTheFileAndTheField() throws IOException {
    Path file = Files.createTempFile("marker-", ".json");
    String json = Files.readString(RUN.resolve("solve-dual/_SUCCESS.json"))
        .replace("\"lambda\" :", "\"lambda_renamed\" :");
    Files.writeString(file, json, StandardCharsets.UTF_8);
    MarkerException e = assertThrows(MarkerException.class,
        () -> Markers.read(file, SolveDualMarker.class));
    assertEquals("lambda", e.field());
    assertEquals(file.toString(), e.file());
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'lambda'"),
        e.getMessage());
    // The renamed key is kept, not dropped, so a rewrite of the marker keeps it.
    Files.writeString(file, json.replace("\"lambda_renamed\" :", "\"lambda\" : {}, \"x\" :"));
    SolveDualMarker kept = Markers.read(file, SolveDualMarker.class);
    assertTrue(Markers.toMap(kept).containsKey("x"));
    Files.delete(file);
  }

  @Test
  void aFieldOfTheWrongTypeNamesIt() throws IOException {
    Path file = Files.createTempFile("marker-", ".json");
    Files.writeString(file, Files.readString(RUN.resolve("align/caid/iteration-1/_SUCCESS.json"))
        .replace("\"iteration\" : 1", "\"iteration\" : \"one\""));
    MarkerException e = assertThrows(MarkerException.class,
        () -> Markers.read(file, AlignIterationMarker.class));
    assertEquals("iteration", e.field());
    Files.writeString(file, "{ not json");
    assertNull(assertThrows(MarkerException.class,
        () -> Markers.read(file, AlignIterationMarker.class)).field());
    Files.delete(file);
  }
}
