package io.decq.core.config;

/** The `flow` section. No keys yet: the stage-2 issue fills it. */
public record FlowConfig() {
  public static FlowConfig defaults() {
    return new FlowConfig();
  }
}
