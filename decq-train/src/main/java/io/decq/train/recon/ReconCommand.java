package io.decq.train.recon;

import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.ConfigOptions;
import io.decq.core.config.ConfigLoader;
import io.decq.core.config.DecqConfig;
import io.decq.core.run.RunDirectory;
import io.decq.train.loop.TrainResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    List<String> overrides = new ArrayList<>(config.overrides);
    if (common.seed != null) {
      overrides.add("train.seed=" + common.seed);
    }
    DecqConfig resolved = ConfigLoader.load(config.config, overrides);
    ReconTrainer.Result r = ReconTrainer.run(resolved, out, resume, common.device());
    TrainResult t = r.train();
    RunDirectory run = new RunDirectory(t.runDir());
    PrintWriter w = spec.commandLine().getOut();
    if (t.endStep() > t.startStep()) {
      w.printf(Locale.ROOT, "trained steps %d..%d: loss %.4f -> %.4f (first and last logging window), %.1f images/s%n",
          t.startStep() + 1, t.endStep(), t.firstLoss(), t.lastLoss(), t.imagesPerSecond());
    } else {
      w.printf(Locale.ROOT, "nothing to train: the checkpoint is at step %d (train.max_steps)%n", t.startStep());
    }
    w.println("latent statistics: " + r.latentStatistics());
    w.println("run directory: " + run.root());
    if (t.lastCheckpoint() != null) {
      w.println("checkpoint: " + t.lastCheckpoint());
    }
    w.println("metrics: " + run.metricsFile() + "   previews: " + run.previewsDir());
    w.println("reconstruct: decq reconstruct --checkpoint " + run.root() + " --images DIR --out DIR");
    w.flush();
    return 0;
  }
}
