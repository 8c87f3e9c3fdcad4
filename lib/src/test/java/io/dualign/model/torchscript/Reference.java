package io.dualign.model.torchscript;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dualign.model.TokenBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code Reference} is the committed TorchScript fixture and the outputs Python recorded for it. */
final class Reference {
  static final Path ROOT = resource("/torchscript");
  static final Path POLICY = ROOT.resolve("policy");
  static final Path SCORE = ROOT.resolve("score");
  static final JsonNode JSON = read();

  private Reference() {}

  private static Path resource(String name) {
    try {
      return Path.of(Reference.class.getResource(name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test resource " + name + " is missing", e);
    }
  }

  private static JsonNode read() {
    try {
      return new ObjectMapper().readTree(ROOT.resolve("reference.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long[][] longs2(String key) {
    JsonNode n = JSON.get(key);
    long[][] out = new long[n.size()][];
    for (int i = 0; i < n.size(); i++) {
      out[i] = longs(n.get(i));
    }
    return out;
  }

  static List<long[]> rows(String key) {
    List<long[]> out = new ArrayList<>();
    JSON.get(key).forEach(r -> out.add(longs(r)));
    return out;
  }

  static long[] longs(JsonNode n) {
    long[] out = new long[n.size()];
    for (int i = 0; i < n.size(); i++) {
      out[i] = n.get(i).asLong();
    }
    return out;
  }

  static float[] floats(JsonNode n) {
    float[] out = new float[n.size()];
    for (int i = 0; i < n.size(); i++) {
      out[i] = (float) n.get(i).asDouble();
    }
    return out;
  }

  static double number(String... path) {
    JsonNode n = JSON;
    for (String p : path) {
      n = n.get(p);
    }
    return n.asDouble();
  }

  static TokenBatch rightBatch() {
    return TokenBatch.ofMatrix(longs2("input_ids"), longs2("attention_mask"));
  }

  static TokenBatch leftBatch() {
    return TokenBatch.ofMatrix(longs2("input_ids_left"), longs2("attention_mask_left"));
  }

  static double maxAbsDiff(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
    }
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }
}
