package io.decq.train.diffusion;

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
 * {@code decq train diffusion --config FILE --out DIR [--resume DIR] [--set k=v]}: stage-2 training of a
 * DiT-DH on the joint latent of a trained stage-1 run ({@link DiffusionTrainer}).
 */
@Command(
    name = "diffusion",
    mixinStandardHelpOptions = true,
    description = {
      "Stage 2: train a DiT-DH denoiser (flow matching, class-conditional) on the joint latent [queries ; patches] of"
          + " the stage-1 run named by ae.checkpoint. Writes DIR/config.yaml, metrics.jsonl (loss, mse_patches,"
          + " mse_queries), latent_stats.safetensors, checkpoints/ and previews/ (class-conditional sample grids).",
      "Example: decq train diffusion --config configs/tiny-diffusion.yaml --out runs/quickstart-dit"})
public final class DiffusionCommand implements Callable<Integer> {
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
    DiffusionTrainer.Result r = DiffusionTrainer.run(resolved, out, resume, common.device());
    TrainResult t = r.train();
    RunDirectory run = new RunDirectory(t.runDir());
    PrintWriter w = spec.commandLine().getOut();
    if (t.endStep() > t.startStep()) {
      w.printf(Locale.ROOT, "trained steps %d..%d: loss %.4f -> %.4f (first and last logging window), %.1f images/s%n",
          t.startStep() + 1, t.endStep(), t.firstLoss(), t.lastLoss(), t.imagesPerSecond());
    } else {
      w.printf(Locale.ROOT, "nothing to train: the checkpoint is at step %d (train.max_steps)%n", t.startStep());
    }
    w.printf(Locale.ROOT, "joint latent: %d queries + %d patches x %d channels, time shift %.3f%n", r.layout().queries(),
        r.layout().patchTokens(), r.layout().channels(), r.shift());
    w.println("latent statistics: " + r.latentStatistics());
    w.println("run directory: " + run.root());
    if (t.lastCheckpoint() != null) {
      w.println("checkpoint: " + t.lastCheckpoint());
    }
    w.println("metrics: " + run.metricsFile() + "   previews: " + run.previewsDir());
    w.println("sample: decq sample --dit " + run.root() + " --ae " + resolved.ae().checkpoint() + " --num N --out DIR");
    w.flush();
    return 0;
  }
}
