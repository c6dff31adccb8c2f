package io.decq.core.config;

/** The `decoder` section. No keys yet: the autoencoder issue fills it. */
public record DecoderConfig() {
  public static DecoderConfig defaults() {
    return new DecoderConfig();
  }
}
