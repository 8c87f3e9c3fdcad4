package io.dualign.run.marker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/outputs.md documents, for each marker record, exactly the record's JSON fields (both
 * directions), and marks in bold exactly the required ones.
 */
class MarkerFieldsDocTest {
  private static final List<Class<?>> RECORDS = List.of(PrepareMarker.class,
      TrainingMarker.class, SampleRefMarker.class, ScoreMarker.class, SolveDualMarker.class,
      ReferenceLogProbsMarker.class, AlignIterationMarker.class, AlignMethodMarker.class,
      AlignMarker.class, EvaluateMarker.class, SweepThresholdMarker.class, SweepMarker.class,
      SweepSummaryMarker.class, ReportMarker.class, SlackFigures.class, PolicyFigures.class,
      Tracking.class, LossWindow.class, TaskDevice.class, RolloutFigures.class,
      InputFile.class);
  private static final Pattern ROW = Pattern.compile("^\\| (\\*\\*)?`([a-z0-9_]+)`(\\*\\*)? \\|");

  @Test
  void everyRecordsFieldsAreDocumentedAndNoOthers() throws IOException {
    List<String> doc = Files.readAllLines(Path.of("../docs/outputs.md"));
    for (Class<?> type : RECORDS) {
      int at = -1;
      for (int i = 0; i < doc.size(); i++) {
        if (doc.get(i).startsWith("### ") && doc.get(i).endsWith("(`" + type.getSimpleName()
            + "`)")) {
          at = i;
        }
      }
      assertTrue(at >= 0, "docs/outputs.md has no table for " + type.getSimpleName());
      List<String> fields = new ArrayList<>();
      List<String> required = new ArrayList<>();
      for (int i = at + 1; i < doc.size() && !doc.get(i).startsWith("#"); i++) {
        Matcher m = ROW.matcher(doc.get(i));
        if (m.find()) {
          fields.add(m.group(2));
          if (m.group(1) != null) {
            required.add(m.group(2));
          }
        }
      }
      assertEquals(new TreeSet<>(Markers.propertyNames(type)), new TreeSet<>(fields),
          type.getSimpleName() + ": documented fields");
      assertEquals(new TreeSet<>(Markers.requiredNames(type)), new TreeSet<>(required),
          type.getSimpleName() + ": documented required fields");
    }
  }
}
