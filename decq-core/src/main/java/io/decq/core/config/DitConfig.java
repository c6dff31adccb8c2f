package io.decq.core.config;

/** The `dit` section. No keys yet: the stage-2 issue fills it. */
public record DitConfig() {
  public static DitConfig defaults() {
    return new DitConfig();
  }
}
