package io.decq.core.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.decq.core.error.BadInputException;
import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.ConfigOptions;
import io.decq.core.cli.Subcommand;
import io.decq.core.config.EncoderConfig;
import io.decq.core.io.DType;
import io.decq.core.io.HostTensor;
import io.decq.core.io.SafeTensors;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq encode}: runs the frozen encoder over images and writes {@code latent} [B, N, C] and the
 * requested {@code hidden_states.<i>} [B, T, C] (HF layout: prefix tokens first) to a safetensors file;
 * the metadata lists the images in batch order ({@code images}, a JSON array).
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

  /** What {@link #encode} wrote. */
  public record Result(Path out, int images, int width, int tokens, Set<Integer> hiddenStates, double seconds) {}

  @Override
  public Integer call() {
    Result r = encode(encoderOptions.resolve(config), images, hiddenStates, batch, out, common.device());
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "%s: latent [%d, %d, %d]%s from %d images in %.1f s (%.2f images/s)%n", r.out(), r.images(),
        r.tokens(), r.width(), r.hiddenStates().isEmpty() ? "" : ", hidden_states " + r.hiddenStates(), r.images(),
        r.seconds(), r.images() / Math.max(r.seconds(), 1e-9));
    w.flush();
    return 0;
  }

  /** Parses {@code 0,3,6,9} or {@code all} (null: none) against an encoder of {@code depth} blocks. */
  public static Set<Integer> parseTaps(String spec, int depth) {
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

  /** Encodes {@code imageArgs} (files or folders) and writes {@code out}. */
  public static Result encode(EncoderConfig config, List<Path> imageArgs, String hiddenStates, int batch, Path out, Device device) {
    if (batch < 1) {
      throw new BadInputException("--batch: must be >= 1, got " + batch);
    }
    List<Path> files = ImageBatches.resolve(imageArgs);
    long start = System.nanoTime();
    try (FrozenEncoder encoder = FrozenEncoder.load(config, device);
        NDManager manager = NDManager.newBaseManager(device)) {
      Set<Integer> taps = parseTaps(hiddenStates, encoder.depth());
      int n = files.size();
      int c = encoder.width();
      int patches = encoder.patchTokens();
      int tokens = encoder.prefixTokens() + patches;
      ByteBuffer latent = allocate((long) n * patches * c);
      Map<Integer, ByteBuffer> hidden = new LinkedHashMap<>();
      for (int t : taps) {
        hidden.put(t, allocate((long) n * tokens * c));
      }
      for (int from = 0; from < n; from += batch) {
        List<Path> chunk = files.subList(from, Math.min(n, from + batch));
        try (NDManager step = manager.newSubManager()) {
          NDArray x = ImageBatches.load(step, chunk, encoder.imageSize()); // (B, 3, S, S)
          EncoderOutput o = encoder.encode(x, taps);
          put(latent, o.latent());
          for (int t : taps) {
            put(hidden.get(t), o.hiddenStates().get(t));
          }
        }
      }
      Map<String, HostTensor> tensors = new LinkedHashMap<>();
      tensors.put("latent", new HostTensor(DType.F32, new long[] {n, patches, c}, latent.flip()));
      for (Map.Entry<Integer, ByteBuffer> e : hidden.entrySet()) {
        tensors.put("hidden_states." + e.getKey(), new HostTensor(DType.F32, new long[] {n, tokens, c}, e.getValue().flip()));
      }
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("images", new Gson().toJson(files.stream().map(Path::toString).collect(Collectors.toList())));
      meta.put("encoder", encoder.source());
      meta.put("family", encoder.family().key());
      meta.put("hidden_states", taps.stream().map(String::valueOf).collect(Collectors.joining(",")));
      meta.put("image_size", Integer.toString(encoder.imageSize()));
      meta.put("input_size", Integer.toString(encoder.inputSize()));
      SafeTensors.write(out, tensors, meta);
      double seconds = (System.nanoTime() - start) / 1e9;
      return new Result(out, n, c, patches, taps, seconds);
    }
  }

  private static ByteBuffer allocate(long floats) {
    if (floats * 4 > Integer.MAX_VALUE - 8) {
      throw new BadInputException("--images: the outputs would exceed 2 GB per tensor (" + floats
          + " values); encode fewer images per file or fewer --hidden-states");
    }
    return ByteBuffer.allocate((int) (floats * 4)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void put(ByteBuffer dst, NDArray a) {
    float[] v = a.toFloatArray();
    dst.asFloatBuffer().put(v);
    dst.position(dst.position() + v.length * 4);
  }
}
