package io.dualign.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import io.dualign.run.Json;
import io.dualign.text.TextTokenizer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@code Checkpoint} is a saved built-in model: a folder (local or any Hadoop file system) with
 * {@code weights.params}, {@code tokenizer.json} and {@code checkpoint.json} (the architecture,
 * each file's sha256, and the version: the sha256 of the three together). Loading checks the
 * hashes and the architecture.
 */
public final class Checkpoint {
  public static final String WEIGHTS = "weights.params";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String META = "checkpoint.json";
  static final int FORMAT = 1;

  private Checkpoint() {}

  /** A loaded checkpoint: the model, its tokenizer, its architecture and version. */
  public record Loaded(BuiltInTransformer model, TextTokenizer tokenizer, ModelArchitecture arch,
      String version, Map<String, Object> meta) implements LoadedModel {
    @Override
    public ModelFormat format() {
      return ModelFormat.BUILT_IN;
    }

    @Override
    public CausalLm causalLm() {
      if (arch.head() != ModelArchitecture.Head.LANGUAGE_MODEL) {
        throw new IllegalStateException("checkpoint version " + version + " is a " + arch.head()
            + " model, not a causal language model");
      }
      return model;
    }

    @Override
    public ScoreModel scoreModel() {
      if (arch.head() != ModelArchitecture.Head.SCORE) {
        throw new IllegalStateException("checkpoint version " + version + " is a " + arch.head()
            + " model, not a score model");
      }
      return model;
    }

    @Override
    public long weightBytes() {
      return MemoryPlan.parameterBytes(model.trainableParameters());
    }

    @Override
    public void close() {
      model.close();
      tokenizer.close();
    }
  }

  /**
   * Saves {@code model} with its tokenizer into {@code dir} and returns the version.
   *
   * @param extra recorded under {@code "extra"} in {@code checkpoint.json} (e.g. training figures)
   */
  public static String save(BuiltInTransformer model, java.nio.file.Path tokenizerJson,
      FileSystem fs, Path dir, Map<String, Object> extra) throws IOException {
    ByteArrayOutputStream w = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(w)) {
      model.saveWeights(out);
    }
    byte[] weights = w.toByteArray();
    byte[] tokenizer = Files.readAllBytes(tokenizerJson);
    byte[] arch = Json.write(model.architecture().toMap());
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("architecture", model.architecture().toMap());
    meta.put("parameters", model.parameterCount());
    meta.put("sha256", Map.of(WEIGHTS, sha256(weights), TOKENIZER, sha256(tokenizer)));
    String version = version(arch, weights, tokenizer);
    meta.put("version", version);
    meta.put("extra", extra);
    fs.mkdirs(dir);
    write(fs, new Path(dir, WEIGHTS), weights);
    write(fs, new Path(dir, TOKENIZER), tokenizer);
    write(fs, new Path(dir, META), Json.write(meta));
    return version;
  }

  /** The architecture and version recorded in {@code dir}, without loading weights. */
  public static Map<String, Object> meta(FileSystem fs, Path dir) throws IOException {
    Path p = new Path(dir, META);
    if (!fs.exists(p)) {
      throw new IOException("no checkpoint in " + dir + " (" + META + " missing)");
    }
    return Json.readMap(read(fs, p));
  }

  /**
   * Loads the checkpoint in {@code dir}.
   *
   * @param expected the architecture the caller needs, or null to accept the recorded one
   * @throws IllegalArgumentException when the checkpoint holds another architecture (naming both)
   * @throws IOException when a file is missing or its hash does not match
   */
  @SuppressWarnings("unchecked")
  public static Loaded load(FileSystem fs, Path dir, ModelArchitecture expected, Device device)
      throws IOException {
    Map<String, Object> meta = meta(fs, dir);
    ModelArchitecture arch = ModelArchitecture.fromMap((Map<String, Object>) meta.get("architecture"));
    if (expected != null && !expected.equals(arch)) {
      throw new IllegalArgumentException("checkpoint " + dir + " holds " + arch.describe()
          + " but " + expected.describe() + " was expected");
    }
    byte[] weights = read(fs, new Path(dir, WEIGHTS));
    byte[] tokenizer = read(fs, new Path(dir, TOKENIZER));
    Map<String, Object> sums = (Map<String, Object>) meta.get("sha256");
    check(dir, WEIGHTS, sums, weights);
    check(dir, TOKENIZER, sums, tokenizer);
    String version = version(Json.write(arch.toMap()), weights, tokenizer);
    if (!version.equals(meta.get("version"))) {
      throw new IOException("checkpoint " + dir + " version " + meta.get("version")
          + " does not match its files (" + version + ")");
    }
    java.nio.file.Path localTok = Files.createTempFile("dualign-tokenizer-", ".json");
    localTok.toFile().deleteOnExit();
    Files.write(localTok, tokenizer);
    BuiltInTransformer model;
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(weights))) {
      model = BuiltInTransformer.load(arch, in, device);
    } catch (MalformedModelException e) {
      throw new IOException("checkpoint " + dir + ": weights do not fit " + arch.describe()
          + ": " + e.getMessage(), e);
    }
    TextTokenizer tok = TextTokenizer.load(localTok);
    if (tok.vocabSize() > arch.vocabSize()) {
      model.close();
      tok.close();
      throw new IOException("checkpoint " + dir + ": tokenizer has " + tok.vocabSize()
          + " ids but the model's vocabulary is " + arch.vocabSize());
    }
    return new Loaded(model, tok, arch, version, meta);
  }

  private static void check(Path dir, String file, Map<String, Object> sums, byte[] bytes)
      throws IOException {
    String actual = sha256(bytes);
    if (!actual.equals(sums.get(file))) {
      throw new IOException("checkpoint " + dir + ": " + file + " has sha256 " + actual
          + " but " + sums.get(file) + " was recorded");
    }
  }

  static String version(byte[] arch, byte[] weights, byte[] tokenizer) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] part : new byte[][] {arch, weights, tokenizer}) {
        md.update(sha256Bytes(part));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256Bytes(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] b) {
    return HexFormat.of().formatHex(sha256Bytes(b));
  }

  private static void write(FileSystem fs, Path p, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(p, true)) {
      out.write(bytes);
    }
  }

  private static byte[] read(FileSystem fs, Path p) throws IOException {
    if (!fs.exists(p)) {
      throw new IOException("checkpoint file " + p + " is missing");
    }
    try (InputStream in = fs.open(p)) {
      return in.readAllBytes();
    }
  }
}
