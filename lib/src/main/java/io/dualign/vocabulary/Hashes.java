package io.dualign.vocabulary;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** {@code Hashes} are the content hashes of the data tables: ids and sha256 checks. */
public final class Hashes {
  private Hashes() {}

  /** The lowercase hex sha256 of the UTF-8 bytes of {@code text}. */
  public static String sha256Hex(String text) {
    return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** The {@code prompt_id} of a prompt: the first 16 hex digits of the sha256 of its text. */
  public static String promptId(String prompt) {
    return sha256Hex(prompt).substring(0, 16);
  }

  /**
   * The {@code pair_id} of a pair: the first 16 hex digits of the sha256 of prompt, response_0 and
   * response_1 joined by NUL, so the same pair gets the same id from any file or format.
   */
  public static String pairId(String prompt, String response0, String response1) {
    return sha256Hex(prompt + '\u0000' + response0 + '\u0000' + response1).substring(0, 16);
  }

  /** A 64-bit mix of a seed and a string (SplitMix64 over the string's sha256 prefix). */
  public static long mix(long seed, String key) {
    byte[] d = digest().digest(key.getBytes(StandardCharsets.UTF_8));
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xff);
    }
    return splitMix(seed ^ h);
  }

  /** SplitMix64's finaliser: a bijective scramble of a long. */
  public static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
