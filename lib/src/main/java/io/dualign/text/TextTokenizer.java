package io.dualign.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.dualign.run.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A {@code TextTokenizer} is a HuggingFace {@code tokenizer.json} loaded through DJL, with its
 * end-of-sequence and padding tokens resolved to ids. It is the one tokenizer path for built-in
 * models (whose {@code tokenizer.json} {@link BpeTrainer} writes) and real ones.
 */
public final class TextTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer hf;
  private final Path file;
  private final int vocabSize;
  private final long eosId;
  private final long padId;
  private final String eosToken;
  private final String padToken;
  private final boolean promptSpecialTokens;
  private final long[] stopIds;

  private TextTokenizer(HuggingFaceTokenizer hf, Path file, int vocabSize, String eosToken,
      String padToken, boolean promptSpecialTokens, long[] extraStopIds) {
    this.hf = hf;
    this.promptSpecialTokens = promptSpecialTokens;
    this.file = file;
    this.vocabSize = vocabSize;
    this.eosToken = eosToken;
    this.padToken = padToken;
    this.eosId = singleId(eosToken, "end-of-sequence");
    this.padId = singleId(padToken, "padding");
    this.stopIds = java.util.stream.LongStream.concat(java.util.stream.LongStream.of(eosId),
        java.util.Arrays.stream(extraStopIds)).distinct().toArray();
  }

  /** Loads a built-in tokenizer written by {@link BpeTrainer}. */
  public static TextTokenizer load(Path tokenizerJson) {
    return load(tokenizerJson, BpeTrainer.EOS, BpeTrainer.PAD);
  }

  /**
   * Loads {@code tokenizer.json} with the named special tokens (each must be one token of it).
   *
   * @throws IllegalArgumentException when a special token is not a single token of the vocabulary
   */
  public static TextTokenizer load(Path tokenizerJson, String eosToken, String padToken) {
    return load(tokenizerJson, eosToken, padToken, false);
  }

  /**
   * Loads {@code tokenizer.json} with the named special tokens; with {@code promptSpecialTokens}
   * prompts are encoded with the tokenizer's own post-processor (e.g. a BOS token), as the
   * TorchScript contract says, and responses without.
   */
  public static TextTokenizer load(Path tokenizerJson, String eosToken, String padToken,
      boolean promptSpecialTokens) {
    return load(tokenizerJson, eosToken, padToken, promptSpecialTokens, new long[0]);
  }

  /**
   * As {@link #load(Path, String, String, boolean)}, with more token ids that end a generated
   * response besides the end-of-sequence token (a Hugging Face {@code generation_config.json}'s
   * {@code eos_token_id} list).
   */
  @SuppressWarnings("unchecked")
  public static TextTokenizer load(Path tokenizerJson, String eosToken, String padToken,
      boolean promptSpecialTokens, long[] extraStopIds) {
    try {
      Map<String, Object> doc = Json.readMap(Files.readAllBytes(tokenizerJson));
      int maxId = -1;
      Map<String, Object> model = (Map<String, Object>) doc.get("model");
      if (model != null && model.get("vocab") instanceof Map<?, ?> vocab) {
        for (Object id : vocab.values()) {
          maxId = Math.max(maxId, ((Number) id).intValue());
        }
      }
      if (doc.get("added_tokens") instanceof List<?> added) {
        for (Object t : added) {
          maxId = Math.max(maxId, ((Number) ((Map<String, Object>) t).get("id")).intValue());
        }
      }
      HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(tokenizerJson,
          Map.of("padding", "false", "truncation", "false", "addSpecialTokens", "false"));
      return new TextTokenizer(hf, tokenizerJson, maxId + 1, eosToken, padToken,
          promptSpecialTokens, extraStopIds);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load tokenizer " + tokenizerJson, e);
    }
  }

  private long singleId(String token, String role) {
    long[] ids = hf.encode(token, false, false).getIds();
    if (ids.length != 1) {
      throw new IllegalArgumentException("the " + role + " token '" + token + "' is not a single "
          + "token of " + file + " (encodes to " + ids.length + " ids)");
    }
    return ids[0];
  }

  /** The token ids of {@code text}, without special tokens added. */
  public long[] encode(String text) {
    Encoding e = hf.encode(text, false, false);
    return e.getIds();
  }

  /**
   * The token ids of a (templated) prompt: with the tokenizer's special tokens when it was loaded
   * with {@code promptSpecialTokens}, else as {@link #encode}.
   */
  public long[] encodePrompt(String text) {
    return hf.encode(text, promptSpecialTokens, false).getIds();
  }

  /** The text of {@code ids}, special tokens dropped. */
  public String decode(long[] ids) {
    return hf.decode(ids, true);
  }

  public long eosId() {
    return eosId;
  }

  /** The ids that end a generated response: the end-of-sequence id first, then any others. */
  public long[] stopIds() {
    return stopIds.clone();
  }

  /** Whether {@code prompt} encoding adds the tokenizer's own special tokens (e.g. BOS). */
  public boolean promptSpecialTokens() {
    return promptSpecialTokens;
  }

  public long padId() {
    return padId;
  }

  public String eosToken() {
    return eosToken;
  }

  public String padToken() {
    return padToken;
  }

  /** Number of ids (the largest id + 1): the size an embedding table needs. */
  public int vocabSize() {
    return vocabSize;
  }

  /** The {@code tokenizer.json} this tokenizer was loaded from. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    hf.close();
  }
}
