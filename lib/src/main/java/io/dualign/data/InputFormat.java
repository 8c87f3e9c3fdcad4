package io.dualign.data;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * An {@code InputFormat} is the kind of rows an input file holds. With {@code data.format = auto}
 * each file's format is detected from the fields of its first JSON object (or its parquet columns).
 */
public enum InputFormat {
  PKU_SAFERLHF("pku-saferlhf"),
  HH_RLHF("hh-rlhf"),
  PROMPTS("prompts");

  private final String configName;

  InputFormat(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  /** The format named in {@code data.format}, or null for "auto". */
  public static InputFormat fromConfig(String name) {
    if ("auto".equals(name)) {
      return null;
    }
    for (InputFormat f : values()) {
      if (f.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown data.format '" + name + "'");
  }

  /** The format whose identifying fields a row has, or null when none matches. */
  public static InputFormat detect(JsonNode row) {
    if (row.has("response_0") || row.has("response_1") || row.has("better_response_id")) {
      return PKU_SAFERLHF;
    }
    if (row.has("chosen") || row.has("rejected")) {
      return HH_RLHF;
    }
    if (row.has("prompt")) {
      return PROMPTS;
    }
    return null;
  }
}
