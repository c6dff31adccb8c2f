package io.decq.core.config;

/** The `queries` section. No keys yet: the autoencoder issue fills it. */
public record QueriesConfig() {
  public static QueriesConfig defaults() {
    return new QueriesConfig();
  }
}
