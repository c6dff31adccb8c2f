package io.decq.core.cli;

import ai.djl.Device;
import io.decq.core.config.EncoderConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.encoder.ImageBatches;
import io.decq.core.encoder.LatentStats;
import io.decq.core.error.BadInputException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq stats}: per-token, per-channel mean and variance of the patch latent over a set of images
 * (float64 accumulation), written in the {@link LatentStats} layout ({@code patch.mean}, {@code
 * patch.var} F32 [N, C]; metadata {@code count}, {@code encoder}, {@code family}).
 */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = "Mean and variance of the encoder's patch latent per token and channel over a dataset (for latent normalisation).")
public final class EncoderStatsCommand implements Subcommand, Callable<Integer> {
  @Mixin EncoderOptions encoderOptions;

  @Option(names = "--images", paramLabel = "DIR", arity = "1..*", required = true,
      description = "Folders of images (or image files), encoder.image_size square.")
  List<Path> images;

  @Option(names = "--out", paramLabel = "stats.safetensors", required = true, description = "Output file.")
  Path out;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Images per forward pass (default 8).")
  int batch;

  @Mixin CommonOptions common;
  @Mixin ConfigOptions config;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** What {@link #stats} wrote. */
  public record Result(Path out, LatentStats stats, double seconds) {}

  @Override
  public Integer call() {
    Result r = stats(encoderOptions.resolve(config), images, batch, out, common.device());
    LatentStats s = r.stats();
    double meanVar = 0;
    for (double v : s.var()) {
      meanVar += v / s.var().length;
    }
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "%s: patch.mean / patch.var [%d, %d] over %d images (average variance %.4g) in %.1f s%n",
        r.out(), s.tokens(), s.channels(), s.count(), meanVar, r.seconds());
    w.flush();
    return 0;
  }

  /** Computes the statistics of the images {@code imageArgs} names and writes {@code out}. */
  public static Result stats(EncoderConfig config, List<Path> imageArgs, int batch, Path out, Device device) {
    if (batch < 1) {
      throw new BadInputException("--batch: must be >= 1, got " + batch);
    }
    List<Path> files = ImageBatches.resolve(imageArgs);
    long start = System.nanoTime();
    try (FrozenEncoder encoder = FrozenEncoder.load(config, device)) {
      LatentStats stats = LatentStats.compute(encoder, files, batch);
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("encoder", encoder.source());
      meta.put("family", encoder.family().key());
      stats.write(out, LatentStats.PATCH, meta);
      return new Result(out, stats, (System.nanoTime() - start) / 1e9);
    }
  }
}
