package io.decq.train.recon;

import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.ConfigOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq train recon --config FILE --out DIR [--resume DIR] [--set k=v]}: stage-1 training of the
 * queries, condensers and decoder on a frozen encoder ({@link ReconTrainer}).
 */
@Command(
    name = "recon",
    mixinStandardHelpOptions = true,
    description = {
      "Stage 1: train the detail-condensing queries, their condensers and the ViT decoder to reconstruct images from"
          + " a frozen encoder (L1 on pixels, optionally LPIPS and RAE's adaptive GAN term with its own discriminator;"
          + " noise-augmented latents). Writes DIR/config.yaml, metrics.jsonl,"
          + " checkpoints/ and previews/ (validation images above their reconstructions).",
      "Example: decq train recon --config configs/tiny-recon.yaml --out runs/quickstart"})
public final class ReconCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "DIR", description = "The run directory to write.")
  Path out;

  @Option(names = "--resume", paramLabel = "DIR",
      description = "Continue a run: its run directory (latest checkpoint) or one checkpoints/step-NNNNNNN folder.")
  Path resume;

  @Mixin ConfigOptions config;
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ReconTrainer.Result r = ReconTrainer.run(config.load(common), out, resume, common.device());
    PrintWriter w = spec.commandLine().getOut();
    r.train().print(w);
    w.println("latent statistics: " + r.latentStatistics());
    w.println("reconstruct: decq reconstruct --checkpoint " + r.train().runDir() + " --images DIR --out DIR");
    w.flush();
    return 0;
  }
}
