package io.decq.core.config;

/** The `data` section. No keys yet: the training issue fills it. */
public record DataConfig() {
  public static DataConfig defaults() {
    return new DataConfig();
  }
}
