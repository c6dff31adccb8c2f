package io.decq.core.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The achievable fp32 matrix-product rate of a device: {@code repeats} products of two random N x N float32
 * matrices (2 N^3 FLOPs each) after {@code warmup} untimed ones, on libtorch's current intra-op thread
 * count ({@code --threads} / {@code ai.djl.pytorch.num_threads}). The denominator of a step's achieved
 * fraction of peak. Each timed product's result is read back (one element) so GPU work is finished
 * inside the timing. Both the mean rate and the rate of the fastest single product are reported: on a
 * machine shared with other jobs the mean drops with the load, the fastest product less so.
 *
 * <p>Dimensions: N matrix side.
 */
public final class MatmulPeak {
  private MatmulPeak() {}

  /**
   * @param device where it ran
   * @param size N
   * @param repeats timed products
   * @param seconds wall time of the timed products
   * @param fastestSeconds wall time of the fastest one
   */
  public record Result(String device, int size, int repeats, double seconds, double fastestSeconds) {
    /** FLOPs of the timed products: {@code repeats * 2 N^3}. */
    public long flops() {
      return Flops.matmul(size, size, size, false, false).times(repeats).forward();
    }

    /** The mean rate in GFLOP/s. */
    public double gflopsPerSecond() {
      return flops() / seconds / 1e9;
    }

    /** The rate of the fastest product in GFLOP/s. */
    public double bestGflopsPerSecond() {
      return flops() / (double) repeats / fastestSeconds / 1e9;
    }
  }

  /** Times {@code repeats} N x N x N float32 products on {@code device} after {@code warmup} untimed ones. */
  public static Result measure(Device device, int size, int repeats, int warmup) {
    if (size < 1 || repeats < 1 || warmup < 0) {
      throw new IllegalArgumentException("size and repeats must be >= 1 and warmup >= 0, got " + size + ", " + repeats
          + ", " + warmup);
    }
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.randomUniform(-1, 1, new Shape(size, size), DataType.FLOAT32); // (N, N)
      NDArray b = m.randomUniform(-1, 1, new Shape(size, size), DataType.FLOAT32); // (N, N)
      for (int i = 0; i < warmup; i++) {
        product(a, b);
      }
      long total = 0;
      long fastest = Long.MAX_VALUE;
      for (int i = 0; i < repeats; i++) {
        long start = System.nanoTime();
        product(a, b);
        long t = System.nanoTime() - start;
        total += t;
        fastest = Math.min(fastest, t);
      }
      return new Result(device.toString(), size, repeats, total / 1e9, fastest / 1e9);
    }
  }

  private static void product(NDArray a, NDArray b) {
    try (NDArray c = a.matMul(b); NDArray corner = c.get("0, 0")) { // (N, N), its (0, 0) element
      corner.getFloat();
    }
  }
}
