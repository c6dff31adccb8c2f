package io.decq.core.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

/** {@code decq bench ...}: micro-benchmarks (throughput and native-memory checks). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks: throughput and native-memory growth.",
    subcommands = {BenchEncodeCommand.class, BenchMatmulCommand.class})
public final class BenchCommand implements Subcommand, Runnable {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
