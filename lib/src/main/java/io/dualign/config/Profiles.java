package io.dualign.config;

import java.util.List;

/** {@code Profiles} names the configuration profiles shipped in {@code conf/profiles/}. */
public final class Profiles {
  /**
   * tiny: tests and CI; default: the embedded demo (about 6 minutes on 2 cores); large: the
   * reference sizes of conf/dualign.conf; gpu-7b: the paper's setting for 7B Llama models on GPUs;
   * smollm2: SmolLM2-135M-Instruct aligned on real PKU-SafeRLHF rows on one 2-core machine.
   */
  private static final List<String> NAMES = List.of("tiny", "default", "large", "gpu-7b",
      "smollm2");

  private Profiles() {}

  public static List<String> names() {
    return NAMES;
  }
}
