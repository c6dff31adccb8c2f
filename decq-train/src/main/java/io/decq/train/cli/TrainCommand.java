package io.decq.train.cli;

import io.decq.core.cli.Subcommand;
import io.decq.train.diffusion.DiffusionCommand;
import io.decq.train.recon.ReconCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code decq train ...}: the trainers. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a model; each trainer writes a run directory (config.yaml, metrics.jsonl, checkpoints/, previews/).",
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n",
    subcommands = {ReconCommand.class, DiffusionCommand.class})
public final class TrainCommand implements Subcommand, Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
