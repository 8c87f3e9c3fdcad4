package io.dualign.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code HfTokenizerConfig} is what a Hugging Face folder's {@code tokenizer_config.json} and
 * {@code generation_config.json} say about text: the special tokens (each a string or an
 * {@code AddedToken} object), the {@code chat_template} (a string, or a list of named templates
 * of which {@code default} is used), and the token ids that end generation.
 *
 * @param padToken null when the tokenizer has none (the end-of-sequence token pads then)
 * @param chatTemplate the Jinja chat template, or null when the folder has none
 * @param generationEosIds {@code generation_config.json}'s {@code eos_token_id} (empty without)
 */
public record HfTokenizerConfig(String eosToken, String padToken, String bosToken,
    String chatTemplate, List<Long> generationEosIds) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public HfTokenizerConfig {
    generationEosIds = List.copyOf(generationEosIds);
  }

  /**
   * Parses the two files ({@code generation} null when the folder has no generation config).
   *
   * @throws HfModelException naming the file and the key
   */
  public static HfTokenizerConfig parse(byte[] tokenizerConfig, String tokenizerFile,
      byte[] generation, String generationFile) {
    JsonNode t = read(tokenizerConfig, tokenizerFile);
    String eos = token(t, "eos_token", tokenizerFile);
    if (eos == null) {
      throw new HfModelException(tokenizerFile + ": eos_token is missing (dualign needs the "
          + "end-of-sequence token to end responses)");
    }
    String template = null;
    JsonNode ct = t.get("chat_template");
    if (ct != null && ct.isTextual()) {
      template = ct.asText();
    } else if (ct != null && ct.isArray()) {
      for (JsonNode named : ct) {
        if ("default".equals(named.path("name").asText())) {
          template = named.path("template").asText();
        }
      }
      if (template == null) {
        throw new HfModelException(tokenizerFile + ": chat_template lists named templates but "
            + "none is called 'default'");
      }
    }
    List<Long> eosIds = new ArrayList<>();
    if (generation != null) {
      JsonNode e = read(generation, generationFile).get("eos_token_id");
      if (e != null && e.isArray()) {
        e.forEach(x -> eosIds.add(x.asLong()));
      } else if (e != null && e.isIntegralNumber()) {
        eosIds.add(e.asLong());
      }
    }
    return new HfTokenizerConfig(eos, token(t, "pad_token", tokenizerFile),
        token(t, "bos_token", tokenizerFile), template, eosIds);
  }

  private static JsonNode read(byte[] bytes, String file) {
    try {
      JsonNode n = MAPPER.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new HfModelException(file + " is not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new HfModelException(file + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static String token(JsonNode t, String key, String file) {
    JsonNode v = t.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isObject() && v.path("content").isTextual()) {
      return v.get("content").asText();
    }
    throw new HfModelException(file + ": " + key + " = " + v + " is neither a string nor an "
        + "AddedToken object with a content");
  }

  /** The padding token: the tokenizer's own, else the end-of-sequence token. */
  public String padOrEos() {
    return padToken != null ? padToken : eosToken;
  }
}
