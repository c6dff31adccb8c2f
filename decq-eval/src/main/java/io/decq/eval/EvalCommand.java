package io.decq.eval;

import io.decq.core.cli.Subcommand;
import io.decq.eval.iq.IqCommand;
import io.decq.eval.recon.EvalReconCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code decq eval ...}: the evaluation commands. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Evaluate images and models: image quality (PSNR, SSIM), FID statistics, Frechet distances, "
        + "FID / sFID / IS / precision / recall of sample batches (ADM evaluator compatible), and PSNR / SSIM / rFID of a "
        + "stage-1 checkpoint's reconstructions. Every command writes JSON and, with --html, a self-contained page.",
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n",
    subcommands = {IqCommand.class, FidStatsCommand.class, FdCommand.class, GenCommand.class, EvalReconCommand.class,
        ReportCommand.class})
public final class EvalCommand implements Subcommand, Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
