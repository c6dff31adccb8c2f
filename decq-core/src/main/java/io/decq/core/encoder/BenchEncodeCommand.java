package io.decq.core.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import io.decq.core.cli.CommonOptions;
import io.decq.core.config.EncoderConfig;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.nn.NativeMemory;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq bench encode}: encode throughput of a random-weight base-size encoder (DINOv2-reg-B: 768
 * wide, 12 blocks, 12 heads, 518-px position grid; or SigLIP2-B/16) on random 256x256 uint8 images, and
 * the live native arrays and resident memory before and after the timed batches (they must not grow).
 */
@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description = "Encode throughput (images/s) of a random-weight base-size encoder, and native memory before/after.")
public final class BenchEncodeCommand implements Callable<Integer> {
  @Option(names = "--family", paramLabel = "dinov2-reg|siglip2", defaultValue = "dinov2-reg",
      description = "Base-size model to build (default dinov2-reg).")
  String family;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "4", description = "Images per batch (default 4).")
  int batch;

  @Option(names = "--batches", paramLabel = "N", defaultValue = "200", description = "Timed batches (default 200).")
  int batches;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Untimed batches first (default 3).")
  int warmup;

  @Option(names = "--hidden-states", paramLabel = "0,3,6,9|all", defaultValue = "0,3,6,9",
      description = "Hidden states requested per batch, as the condensers do (default 0,3,6,9).")
  String hiddenStates;

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  /** Measurements of one benchmark run. */
  public record Result(String family, String device, int batch, int batches, double seconds, double imagesPerSecond,
      int liveArraysBefore, int liveArraysAfter, long[] residentByQuarter, long[] javaHeapByQuarter) {}

  @Override
  public Integer call() {
    Family f = Family.parse(family, "--family");
    if (f == Family.AUTO) {
      throw new BadInputException("--family: name dinov2-reg or siglip2 for the benchmark");
    }
    Result r = run(f, batch, batches, warmup, hiddenStates, common.seed == null ? 0 : common.seed, common.device());
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "encoder %s base (random weights) on %s, batch %d, %d batches after %d warm-up%n",
        r.family(), r.device(), r.batch(), r.batches(), warmup);
    w.printf(Locale.ROOT, "throughput: %.2f images/s (%.1f ms per batch)%n", r.imagesPerSecond(),
        1000 * r.seconds() / r.batches());
    w.printf(Locale.ROOT, "live native arrays: %d before, %d after%n", r.liveArraysBefore(), r.liveArraysAfter());
    w.printf(Locale.ROOT, "resident memory (MiB) at 0/25/50/75/100 %% of the batches: %s (Java heap committed: %s)%n",
        mib(r.residentByQuarter()), mib(r.javaHeapByQuarter()));
    w.flush();
    return r.liveArraysAfter() > r.liveArraysBefore() ? 1 : 0;
  }

  /** Builds the random base-size encoder and times {@code batches} batches after {@code warmup} untimed ones. */
  public static Result run(Family family, int batch, int batches, int warmup, String hiddenStates, long seed, Device device) {
    if (batch < 1 || batches < 1 || warmup < 0) {
      throw new BadInputException("--batch and --batches must be >= 1 and --warmup >= 0");
    }
    HfVisionConfig model = HfVisionConfig.base(family);
    try (FrozenEncoder encoder = FrozenEncoder.random(model, seed, EncoderConfig.defaults(), device);
        NDManager manager = NDManager.newBaseManager(device)) {
      Set<Integer> taps = EncodeCommand.parseTaps(hiddenStates, encoder.depth());
      int s = encoder.imageSize();
      byte[] random = new byte[batch * 3 * s * s];
      new SplittableRandom(seed).nextBytes(random);
      ByteBuffer pixels = ByteBuffer.allocateDirect(random.length).put(random).flip();
      for (int i = 0; i < warmup; i++) {
        step(encoder, manager, pixels, batch, s, taps);
      }
      int before = NativeMemory.liveArrays();
      long[] rss = new long[5];
      long[] heap = new long[5];
      rss[0] = residentAfterGc();
      heap[0] = Runtime.getRuntime().totalMemory();
      long start = System.nanoTime();
      for (int i = 1; i <= batches; i++) {
        step(encoder, manager, pixels, batch, s, taps);
        int quarter = i * 4 / batches;
        if (quarter > (i - 1) * 4 / batches) {
          rss[quarter] = residentAfterGc();
          heap[quarter] = Runtime.getRuntime().totalMemory();
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int after = NativeMemory.liveArrays();
      return new Result(family.key(), device.toString(), batch, batches, seconds, (double) batch * batches / seconds,
          before, after, rss, heap);
    }
  }

  /**
   * Resident memory after a garbage collection: DJL hands array data to Java as direct byte buffers
   * ({@code toFloatArray}), whose native memory is released only when the buffer is collected.
   */
  private static long residentAfterGc() {
    System.gc();
    return NativeMemory.residentBytes();
  }

  private static String mib(long[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (long b : bytes) {
      sb.append(sb.length() == 0 ? "" : " ").append(b <= 0 ? "?" : String.valueOf(Math.round(b / 1048576.0)));
    }
    return sb.toString();
  }

  /** One batch as a training step would run it: upload uint8 images, encode, read the latent back. */
  private static void step(FrozenEncoder encoder, NDManager manager, ByteBuffer pixels, int batch, int s, Set<Integer> taps) {
    try (NDManager step = manager.newSubManager()) {
      NDArray x = step.create(pixels.duplicate(), new Shape(batch, 3, s, s), DataType.UINT8).duplicate(); // (B, 3, S, S)
      EncoderOutput o = encoder.encode(x, taps);
      o.latent().toFloatArray();
    }
  }
}
