package io.decq.core.cli;

import ai.djl.Device;
import picocli.CommandLine.Option;

/**
 * Options every command takes (a picocli mixin): where to run, the seed, the thread count and logging.
 * Commands that read a run configuration add {@link ConfigOptions} as well.
 */
public class CommonOptions {
  @Option(names = "--device", paramLabel = "auto|cpu|gpu|gpu:N", defaultValue = "auto",
      description = "Where tensors live: the first GPU when one is visible (auto), the CPU, or GPU N.")
  public String device = "auto";

  @Option(names = "--seed", paramLabel = "N", description = "Seed for every random stream (overrides train.seed).")
  public Long seed;

  @Option(names = "--threads", paramLabel = "N",
      description = "libtorch intra-op threads (default: the number of cores).")
  public Integer threads;

  @Option(names = {"-v", "--verbose"}, description = "Debug logging and full stack traces on failure.")
  public boolean verbose;

  /** The selected device (validated). */
  public Device device() {
    return Devices.select(device);
  }
}
