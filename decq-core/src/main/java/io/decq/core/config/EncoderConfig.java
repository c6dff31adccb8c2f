package io.decq.core.config;

/** The `encoder` section. No keys yet: the encoder issue fills it. */
public record EncoderConfig() {
  public static EncoderConfig defaults() {
    return new EncoderConfig();
  }
}
