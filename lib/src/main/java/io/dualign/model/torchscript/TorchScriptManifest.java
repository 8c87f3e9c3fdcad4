package io.dualign.model.torchscript;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * A {@code TorchScriptManifest} is the {@code torchscript.json} of a bundle: what the model is, which files hold it,
 * their sha256, and the tokenizer facts (EOS, PAD) the input/output contract needs.
 *
 * @param kind what {@code forward} returns
 * @param modelFile the TorchScript file, relative to the bundle folder
 * @param modelSha256 the recorded sha256 of the model file, or {@code null} when none was recorded
 * @param tokenizerFile the HF {@code tokenizer.json}, relative to the bundle folder
 * @param tokenizerSha256 the recorded sha256 of the tokenizer file, or {@code null}
 * @param eosToken the end-of-sequence token string; {@code eosTokenId} its id
 * @param eosTokenId the id of {@code eosToken}
 * @param padToken the padding token string
 * @param padTokenId the id of {@code padToken}
 * @param vocabSize the size of the logits' last axis
 * @param maxLength the longest sequence the model accepts (its position table)
 * @param fixedLength when present, every batch must be padded to exactly this length (a trace with static shapes)
 */
public record TorchScriptManifest(
    ModelKind kind,
    String modelFile,
    String modelSha256,
    String tokenizerFile,
    String tokenizerSha256,
    String eosToken,
    long eosTokenId,
    String padToken,
    long padTokenId,
    int vocabSize,
    int maxLength,
    OptionalInt fixedLength) {

  /** The file name of a bundle's manifest. */
  public static final String FILE_NAME = "torchscript.json";
  /** The value of the manifest's {@code format} field. */
  public static final String FORMAT = "dualign-torchscript";
  /** The manifest format version this code reads. */
  public static final int FORMAT_VERSION = 1;

  public TorchScriptManifest {
    requireRelative("model_file", modelFile);
    requireRelative("tokenizer_file", tokenizerFile);
    if (!modelFile.endsWith(".pt")) {
      throw new IllegalArgumentException("model_file must be a TorchScript .pt file, was '" + modelFile + "'");
    }
    if (vocabSize <= 0) {
      throw new IllegalArgumentException("vocab_size must be > 0, was " + vocabSize);
    }
    if (maxLength <= 1) {
      throw new IllegalArgumentException("max_length must be > 1, was " + maxLength);
    }
    checkId("eos_token_id", eosTokenId, vocabSize);
    checkId("pad_token_id", padTokenId, vocabSize);
    if (fixedLength.isPresent() && (fixedLength.getAsInt() < 2 || fixedLength.getAsInt() > maxLength)) {
      throw new IllegalArgumentException("fixed_length must be in [2, max_length=" + maxLength + "], was "
          + fixedLength.getAsInt());
    }
  }

  /** Reads and validates {@code dir/torchscript.json}; errors name the file and the bad field. */
  public static TorchScriptManifest read(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw new IOException("no " + FILE_NAME + " in TorchScript bundle folder " + dir);
    }
    return parse(Files.readAllBytes(file), file.toString());
  }

  /** Parses and validates the bytes of a {@code torchscript.json}; {@code where} names it in errors. */
  public static TorchScriptManifest parse(byte[] json, String where) throws IOException {
    String file = where;
    JsonNode n = new ObjectMapper().readTree(json);
    try {
      String format = text(n, "format", true);
      if (!FORMAT.equals(format)) {
        throw new IllegalArgumentException("format must be '" + FORMAT + "', was '" + format + "'");
      }
      int version = integer(n, "format_version");
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException("format_version " + version + " is not supported (expected "
            + FORMAT_VERSION + ")");
      }
      JsonNode fixed = n.get("fixed_length");
      return new TorchScriptManifest(
          ModelKind.parse(text(n, "kind", true)),
          text(n, "model_file", true),
          text(n, "model_sha256", false),
          text(n, "tokenizer_file", true),
          text(n, "tokenizer_sha256", false),
          text(n, "eos_token", true),
          integer(n, "eos_token_id"),
          text(n, "pad_token", true),
          integer(n, "pad_token_id"),
          integer(n, "vocab_size"),
          integer(n, "max_length"),
          fixed == null || fixed.isNull() ? OptionalInt.empty() : OptionalInt.of(fixed.asInt()));
    } catch (IllegalArgumentException e) {
      throw new IOException("invalid " + file + ": " + e.getMessage(), e);
    }
  }

  private static String text(JsonNode n, String key, boolean required) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException("missing key '" + key + "'");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException("key '" + key + "' must be a string, was " + v);
    }
    return v.asText();
  }

  private static int integer(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (v == null || !v.isIntegralNumber()) {
      throw new IllegalArgumentException("key '" + key + "' must be an integer, was " + v);
    }
    return v.asInt();
  }

  private static void requireRelative(String key, String value) {
    if (value == null || value.isEmpty() || value.startsWith("/") || value.contains("..")) {
      throw new IllegalArgumentException(key + " must be a file name inside the bundle, was '" + value + "'");
    }
  }

  private static void checkId(String key, long id, int vocabSize) {
    if (id < 0 || id >= vocabSize) {
      throw new IllegalArgumentException(key + " must be in [0, vocab_size=" + vocabSize + "), was " + id);
    }
  }

  /**
   * Writes this manifest as {@code dir/torchscript.json} with a {@code source} note; {@code null} sha256 sums and an
   * empty fixed length are written as JSON nulls.
   */
  public void write(Path dir, String source) throws IOException {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("format_version", FORMAT_VERSION);
    m.put("kind", kind.id());
    m.put("model_file", modelFile);
    m.put("model_sha256", modelSha256);
    m.put("tokenizer_file", tokenizerFile);
    m.put("tokenizer_sha256", tokenizerSha256);
    m.put("eos_token", eosToken);
    m.put("eos_token_id", eosTokenId);
    m.put("pad_token", padToken);
    m.put("pad_token_id", padTokenId);
    m.put("vocab_size", vocabSize);
    m.put("max_length", maxLength);
    m.put("fixed_length", fixedLength.isPresent() ? fixedLength.getAsInt() : null);
    m.put("dtype", "float32");
    m.put("source", source);
    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve(FILE_NAME).toFile(), m);
  }

  /**
   * The bundle's version: the sha256 of its kind, recorded file sums and tokenizer facts, so it
   * changes whenever the model or tokenizer file does. Run models must be verifiable.
   *
   * @throws IllegalStateException when the manifest records no sha256 of a file
   */
  public String version() {
    if (modelSha256 == null || tokenizerSha256 == null) {
      throw new IllegalStateException("the manifest records no " + (modelSha256 == null
          ? "model_sha256" : "tokenizer_sha256") + "; a model a run uses must be verifiable "
          + "(jobs/scripts/export_hf_torchscript.py records both)");
    }
    String canonical = String.join("\n", FORMAT, Integer.toString(FORMAT_VERSION), kind.id(),
        modelFile, modelSha256.toLowerCase(java.util.Locale.ROOT), tokenizerFile,
        tokenizerSha256.toLowerCase(java.util.Locale.ROOT), eosToken, Long.toString(eosTokenId),
        padToken, Long.toString(padTokenId), Integer.toString(vocabSize),
        Integer.toString(maxLength), fixedLength.isPresent() ? Integer.toString(
            fixedLength.getAsInt()) : "-");
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** This manifest with other model and tokenizer sha256 sums. */
  public TorchScriptManifest withSha256(String model, String tokenizer) {
    return new TorchScriptManifest(kind, modelFile, model, tokenizerFile, tokenizer, eosToken, eosTokenId, padToken,
        padTokenId, vocabSize, maxLength, fixedLength);
  }
}
