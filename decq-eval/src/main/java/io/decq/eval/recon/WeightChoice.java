package io.decq.eval.recon;

import picocli.CommandLine.Option;

/** {@code --ema} (the default) or {@code --raw}: which weights of a stage-1 checkpoint to use (an option group). */
final class WeightChoice {
  @Option(names = "--ema", description = "Use the EMA weights (the default).")
  boolean ema;

  @Option(names = "--raw", description = "Use the raw trained weights instead of the EMA.")
  boolean raw;
}
