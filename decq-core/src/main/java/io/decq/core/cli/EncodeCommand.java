package io.decq.core.cli;

import io.decq.core.encoder.EncoderFeatures;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.encoder.ImageBatches;
import io.decq.core.error.BadInputException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq encode}: runs the frozen encoder over images and writes its latent and the requested hidden
 * states to a safetensors file ({@link EncoderFeatures}).
 */
@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description = "Encode images with the frozen encoder; write the latent and hidden states to a .safetensors file.")
public final class EncodeCommand implements Subcommand, Callable<Integer> {
  @Mixin EncoderOptions encoderOptions;

  @Option(names = "--images", paramLabel = "FILE_OR_DIR", arity = "1..*", required = true,
      description = "Images (PNG/JPEG/BMP, encoder.image_size square) or folders of them (sorted by name).")
  List<Path> images;

  @Option(names = "--out", paramLabel = "OUT.safetensors", required = true, description = "Output file.")
  Path out;

  @Option(names = "--hidden-states", paramLabel = "0,3,6,9|all",
      description = "Also write these HF hidden states (0 = embeddings, k = after block k).")
  String hiddenStates;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Images per forward pass (default 8).")
  int batch;

  @Mixin CommonOptions common;
  @Mixin ConfigOptions config;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    List<Path> files = ImageBatches.resolve(images);
    if (batch < 1) {
      throw new BadInputException("--batch: must be >= 1, got " + batch);
    }
    EncoderFeatures.Result r;
    try (FrozenEncoder encoder = FrozenEncoder.load(encoderOptions.resolve(config), common.device())) {
      r = EncoderFeatures.write(encoder, files, parseTaps(hiddenStates, encoder.depth()), batch, out);
    }
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "%s: latent [%d, %d, %d]%s from %d images in %.1f s (%.2f images/s)%n", r.out(), r.images(),
        r.tokens(), r.width(), r.hiddenStates().isEmpty() ? "" : ", hidden_states " + r.hiddenStates(), r.images(),
        r.seconds(), r.images() / Math.max(r.seconds(), 1e-9));
    w.flush();
    return 0;
  }

  /** Parses {@code --hidden-states 0,3,6,9} or {@code all} (null: none) against an encoder of {@code depth} blocks. */
  static Set<Integer> parseTaps(String spec, int depth) {
    Set<Integer> taps = new TreeSet<>();
    if (spec == null || spec.isBlank()) {
      return taps;
    }
    if (spec.trim().equalsIgnoreCase("all")) {
      for (int i = 0; i <= depth; i++) {
        taps.add(i);
      }
      return taps;
    }
    for (String part : spec.split(",")) {
      try {
        taps.add(Integer.parseInt(part.trim()));
      } catch (NumberFormatException e) {
        throw new BadInputException("--hidden-states " + spec + ": expected comma-separated indices 0.." + depth + " or all");
      }
    }
    for (int t : taps) {
      if (t < 0 || t > depth) {
        throw new BadInputException("--hidden-states " + spec + ": index " + t + " is out of range 0.." + depth);
      }
    }
    return taps;
  }
}
