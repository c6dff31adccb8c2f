package io.decq.core.config;

/** The `sample` section. No keys yet: the sampling issue fills it. */
public record SampleConfig() {
  public static SampleConfig defaults() {
    return new SampleConfig();
  }
}
