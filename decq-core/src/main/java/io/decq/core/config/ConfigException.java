package io.decq.core.config;

import io.decq.core.error.BadInputException;

/**
 * A config value that is not allowed. Thrown by section records' compact constructors with the key
 * relative to the section; {@link ConfigBinder} prefixes the source file and the section path, so the
 * user sees {@code configs/x.yaml: train.batch_size: must be >= 1, got 0}.
 */
public class ConfigException extends BadInputException {
  private static final long serialVersionUID = 1L;
  private final String key;
  private final String reason;

  public ConfigException(String key, String reason) {
    super(key + ": " + reason);
    this.key = key;
    this.reason = reason;
  }

  /** The offending key, relative to where it was thrown. */
  public String key() {
    return key;
  }

  /** What is wrong and what is allowed, without the key. */
  public String reason() {
    return reason;
  }
}
