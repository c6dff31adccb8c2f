package io.decq.core.bench;

/**
 * Floating-point operations of the matrix products of a computation, split into the forward pass and the
 * backward pass. One multiply-add counts as 2 FLOPs, so a product (M, K) x (K, N) costs {@code 2 M K N}.
 *
 * <p>Backward: the product {@code Y = A B} needs {@code dA = dY B^T} (2 M K N) when A requires a gradient
 * and {@code dB = A^T dY} (2 M K N) when B does; autograd skips the other. A trained layer whose input
 * also carries a gradient therefore costs 3x its forward, the usual "forward + backward = 3 x forward";
 * a frozen one costs its forward only.
 *
 * @param forward FLOPs of the forward products
 * @param backward FLOPs of the backward products
 */
public record Flops(long forward, long backward) {
  /** Nothing. */
  public static final Flops ZERO = new Flops(0, 0);

  public Flops {
    if (forward < 0 || backward < 0) {
      throw new IllegalArgumentException("negative FLOPs: " + forward + ", " + backward);
    }
  }

  /**
   * One product {@code (M, K) x (K, N)}.
   *
   * @param gradLeft whether the left operand requires a gradient
   * @param gradRight whether the right operand requires a gradient
   */
  public static Flops matmul(long m, long k, long n, boolean gradLeft, boolean gradRight) {
    long f = Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L, m), k), n);
    return new Flops(f, Math.multiplyExact(f, (gradLeft ? 1L : 0L) + (gradRight ? 1L : 0L)));
  }

  /** The sum of both. */
  public Flops plus(Flops other) {
    return new Flops(Math.addExact(forward, other.forward), Math.addExact(backward, other.backward));
  }

  /** {@code n} times this. */
  public Flops times(long n) {
    return new Flops(Math.multiplyExact(forward, n), Math.multiplyExact(backward, n));
  }

  /** Forward plus backward. */
  public long total() {
    return Math.addExact(forward, backward);
  }
}
