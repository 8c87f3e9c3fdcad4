package io.dualign.spark;

import java.nio.charset.StandardCharsets;

/**
 * {@code Seeds} derives the seed of every random draw from what identifies it — (run seed,
 * iteration, prompt id, sample index) — so a retried or speculative task draws exactly what the
 * first attempt drew, whatever the partitioning. Mixing is SplitMix64's finaliser (Steele, Lea and
 * Flood 2014), applied after each component; strings enter through 64-bit FNV-1a of their UTF-8.
 */
public final class Seeds {
  private Seeds() {}

  /** The seed for one sample of one prompt at one iteration of a run. */
  public static long mix(long runSeed, int iteration, String promptId, int sampleIndex) {
    long h = mix64(runSeed ^ 0x9E3779B97F4A7C15L);
    h = mix64(h ^ iteration);
    h = mix64(h ^ fnv1a64(promptId));
    return mix64(h ^ sampleIndex);
  }

  /** A seed for a named purpose within a run (e.g. "split", "relabel"), independent of others. */
  public static long forPurpose(long runSeed, String purpose) {
    return mix64(mix64(runSeed ^ 0x632BE59BD9B4E019L) ^ fnv1a64(purpose));
  }

  /** SplitMix64's finaliser: a bijection on 64-bit values with good avalanche. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** 64-bit FNV-1a of the string's UTF-8 bytes. */
  public static long fnv1a64(String s) {
    long h = 0xCBF29CE484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xFF;
      h *= 0x100000001B3L;
    }
    return h;
  }
}
