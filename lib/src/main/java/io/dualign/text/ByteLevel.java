package io.dualign.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ByteLevel} is the GPT-2 byte-level alphabet: every byte maps to one printable Unicode
 * character, and text is pre-split with GPT-2's regular expression, exactly as the HuggingFace
 * {@code ByteLevel} pre-tokenizer does (so merges learnt here apply to what it produces).
 */
public final class ByteLevel {
  /** GPT-2's pre-tokenization pattern. */
  static final Pattern SPLIT = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");

  private static final char[] BYTE_TO_CHAR = buildTable();

  private ByteLevel() {}

  private static char[] buildTable() {
    char[] t = new char[256];
    boolean[] printable = new boolean[256];
    for (int b = '!'; b <= '~'; b++) {
      printable[b] = true;
    }
    for (int b = 0xA1; b <= 0xAC; b++) {
      printable[b] = true;
    }
    for (int b = 0xAE; b <= 0xFF; b++) {
      printable[b] = true;
    }
    int n = 0;
    for (int b = 0; b < 256; b++) {
      t[b] = printable[b] ? (char) b : (char) (256 + n++);
    }
    return t;
  }

  /** The character that stands for byte {@code b} (0..255). */
  public static char charOf(int b) {
    return BYTE_TO_CHAR[b & 0xFF];
  }

  /** Splits text into pre-tokens, each written in the byte-level alphabet. */
  public static List<String> preTokenize(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = SPLIT.matcher(text);
    while (m.find()) {
      byte[] bytes = m.group().getBytes(StandardCharsets.UTF_8);
      StringBuilder sb = new StringBuilder(bytes.length);
      for (byte b : bytes) {
        sb.append(charOf(b));
      }
      out.add(sb.toString());
    }
    return out;
  }
}
