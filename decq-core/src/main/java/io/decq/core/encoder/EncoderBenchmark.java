package io.decq.core.encoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.config.EncoderConfig;
import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.error.BadInputException;
import io.decq.core.nn.NativeMemory;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Encode throughput of a random-weight base-size encoder (DINOv2-reg-B: 768 wide, 12 blocks, 12 heads,
 * 518-px position grid; or SigLIP2-B/16) on random uint8 images, and the live native arrays and resident
 * memory before and after the timed batches (they must not grow).
 */
public final class EncoderBenchmark {
  private EncoderBenchmark() {}

  /** Measurements of one benchmark run. */
  public record Result(String family, String device, int batch, int batches, double seconds, double imagesPerSecond,
      int liveArraysBefore, int liveArraysAfter, long[] residentByQuarter, long[] javaHeapByQuarter) {}

  /** Builds the random base-size encoder and times {@code batches} batches after {@code warmup} untimed ones. */
  public static Result run(Family family, int batch, int batches, int warmup, Set<Integer> taps, long seed, Device device) {
    if (batch < 1 || batches < 1 || warmup < 0) {
      throw new BadInputException("benchmark: batch size and batches must be >= 1 and warm-up batches >= 0, got " + batch
          + ", " + batches + ", " + warmup);
    }
    HfVisionConfig model = HfVisionConfig.base(family);
    try (FrozenEncoder encoder = FrozenEncoder.random(model, seed, EncoderConfig.defaults(), device);
        NDManager manager = NDManager.newBaseManager(device)) {
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

  /** One batch as a training step would run it: upload uint8 images, encode, read the latent back. */
  private static void step(FrozenEncoder encoder, NDManager manager, ByteBuffer pixels, int batch, int s, Set<Integer> taps) {
    try (NDManager step = manager.newSubManager()) {
      NDArray x = step.create(pixels.duplicate(), new Shape(batch, 3, s, s), DataType.UINT8).duplicate(); // (B, 3, S, S)
      EncoderOutput o = encoder.encode(x, taps);
      o.latent().toFloatArray();
    }
  }
}
