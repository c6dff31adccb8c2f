package io.decq.train.diffusion;

import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.ConfigOptions;
import io.decq.core.config.DecqConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
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
    DecqConfig resolved = config.load(common);
    DiffusionTrainer.Result r = DiffusionTrainer.run(resolved, out, resume, common.device());
    PrintWriter w = spec.commandLine().getOut();
    r.train().print(w);
    w.printf(Locale.ROOT, "joint latent: %d queries + %d patches x %d channels, time shift %.3f%n", r.layout().queries(),
        r.layout().patchTokens(), r.layout().channels(), r.shift());
    w.println("latent statistics: " + r.latentStatistics());
    w.println("sample: decq sample --dit " + r.train().runDir() + " --num N --out DIR");
    w.flush();
    return 0;
  }
}
