package io.dualign.config;

/**
 * A {@code ConfigError} is a usage or configuration mistake the user can fix: an unknown key, a value
 * of the wrong type or out of range, a missing file. The command exits with code 2 and prints the
 * one-line message, which names the key, the value and what is allowed.
 */
public final class ConfigError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigError(String message) {
    super(message);
  }

  public ConfigError(String message, Throwable cause) {
    super(message, cause);
  }
}
