package io.decq.core.cli;

import io.decq.core.config.CheckpointWeights;
import picocli.CommandLine.Option;

/**
 * {@code --ema} (the default) or {@code --raw}: which weights of a training checkpoint to use (an exclusive
 * picocli option group: {@code @ArgGroup(exclusive = true) WeightChoice weights;}, null when neither is given).
 */
public final class WeightChoice {
  @Option(names = "--ema", description = "Use the EMA weights (the default).")
  boolean ema;

  @Option(names = "--raw", description = "Use the raw trained weights instead of the EMA.")
  boolean raw;

  /** The choice of an option group that may be absent (null: the default, EMA). */
  public static CheckpointWeights of(WeightChoice choice) {
    return choice != null && choice.raw ? CheckpointWeights.RAW : CheckpointWeights.EMA;
  }
}
