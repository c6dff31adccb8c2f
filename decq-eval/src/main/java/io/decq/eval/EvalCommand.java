package io.decq.eval;

import io.decq.core.cli.Subcommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code decq eval ...}: the evaluation commands. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Evaluate images and models: FID statistics, Frechet distances, and FID / sFID / IS / precision / recall "
        + "of sample batches (ADM evaluator compatible).",
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n",
    subcommands = {StatsCommand.class, FdCommand.class, GenCommand.class})
public final class EvalCommand implements Subcommand, Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
