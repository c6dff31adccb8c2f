package io.decq.train.cli;

import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.Subcommand;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.error.BadInputException;
import io.decq.core.io.DType;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.run.Checkpoint;
import io.decq.train.data.LatentCache;
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
 * {@code decq cache-latents --ae DIR --images DIR --out DIR [--flip] [--dtype f16|f32]}: the raw joint latents of
 * a folder of images under a trained stage-1 autoencoder, for {@code ae.latents} of stage 2 ({@link LatentCache}).
 */
@Command(
    name = "cache-latents",
    mixinStandardHelpOptions = true,
    description = {
      "Encode every image of a folder once with a trained stage-1 autoencoder and write its raw joint latents"
          + " [queries ; patches] as sharded safetensors with labels (class folders), plus cache.json recording the"
          + " autoencoder's identity (a hash of its weights file and encoder). Stage 2 reads it with"
          + " ae.latents=DIR and refuses it under another autoencoder.",
      "Example: decq cache-latents --ae runs/quickstart --images src-test-data/images/train --out runs/latents --flip"})
public final class CacheLatentsCommand implements Subcommand, Callable<Integer> {
  @Option(names = "--ae", required = true, paramLabel = "DIR",
      description = "The stage-1 run (its latest checkpoint) or one checkpoints/step-NNNNNNN folder.")
  Path ae;

  @Option(names = "--weights", paramLabel = "ema|raw", defaultValue = "ema",
      description = "Which weights of the checkpoint: ema (default, as ae.weights) or raw.")
  String weights;

  @Option(names = "--encoder", paramLabel = "PATH",
      description = "The frozen encoder, when it is no longer at the encoder.path the stage-1 run recorded.")
  String encoder;

  @Option(names = "--images", required = true, paramLabel = "DIR", description = "Images, in class sub-folders (labels).")
  Path images;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "The cache folder to write.")
  Path out;

  @Option(names = "--flip", description = "Also store the latents of every image flipped left-right (data.hflip).")
  boolean flip;

  @Option(names = "--dtype", paramLabel = "f16|f32", defaultValue = "f16", description = "Stored precision (default f16).")
  String dtype;

  @Option(names = "--shard-size", paramLabel = "N", defaultValue = "1024", description = "Latents per shard (default 1024).")
  int shardSize;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "16", description = "Images per encoder pass (default 16).")
  int batch;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    DType type = switch (dtype.toLowerCase(Locale.ROOT)) {
      case "f16" -> DType.F16;
      case "f32" -> DType.F32;
      default -> throw new BadInputException("--dtype: must be f16 or f32, got '" + dtype + "'");
    };
    CheckpointWeights w = switch (weights.toLowerCase(Locale.ROOT)) {
      case "ema" -> CheckpointWeights.EMA;
      case "raw" -> CheckpointWeights.RAW;
      default -> throw new BadInputException("--weights: must be ema or raw, got '" + weights + "'");
    };
    if (shardSize < 1 || batch < 1) {
      throw new BadInputException("--shard-size and --batch: must be >= 1");
    }
    LatentCache.Written r;
    try (TrainedAutoencoder model = TrainedAutoencoder.load(Checkpoint.resolve(ae, "--ae"), w, encoder, common.device())) {
      r = LatentCache.write(model, images, out, flip, type, shardSize, batch);
    }
    PrintWriter p = spec.commandLine().getOut();
    p.printf(Locale.ROOT, "cached %d latents%s of %d queries + %dx%d patches x %d channels (%s) in %d shards: %s%n",
        r.count(), r.flips() ? " (and their flipped copies)" : "", r.layout().queries(), r.layout().grid(),
        r.layout().grid(), r.layout().channels(), type.name().toLowerCase(Locale.ROOT), r.shards(), r.dir());
    p.println("autoencoder identity: " + r.identity());
    p.println("train on it: decq train diffusion --config FILE --out DIR --set ae.checkpoint=" + ae + " --set ae.latents=" + out);
    p.flush();
    return 0;
  }
}
