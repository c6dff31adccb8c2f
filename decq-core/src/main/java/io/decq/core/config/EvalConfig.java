package io.decq.core.config;

/** The `eval` section. No keys yet: the evaluation issue fills it. */
public record EvalConfig() {
  public static EvalConfig defaults() {
    return new EvalConfig();
  }
}
