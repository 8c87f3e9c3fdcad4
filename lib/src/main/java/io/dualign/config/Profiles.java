package io.dualign.config;

import java.util.List;

/** {@code Profiles} names the configuration profiles shipped in {@code conf/profiles/}. */
public final class Profiles {
  /**
   * tiny: tests and CI; default: the embedded demo (about 6 minutes on 2 cores); large: the
   * reference sizes of conf/dualign.conf; gpu-7b: the paper's setting for 7B Llama models on GPUs.
   */
  private static final List<String> NAMES = List.of("tiny", "default", "large", "gpu-7b");

  private Profiles() {}

  public static List<String> names() {
    return NAMES;
  }
}
