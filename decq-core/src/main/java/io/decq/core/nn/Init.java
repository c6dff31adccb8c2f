package io.decq.core.nn;

import java.util.SplittableRandom;

/**
 * How a parameter's initial values are drawn. Values are generated in Java from a {@link
 * SplittableRandom} seeded per parameter (from the model seed and the parameter's dotted name), so an
 * initialisation is identical on CPU and GPU and does not depend on the order parameters are created.
 */
@FunctionalInterface
public interface Init {
  /** Fills {@code out} (row-major, of the parameter's shape) with initial values. */
  void fill(float[] out, long[] shape, SplittableRandom random);

  Init ZEROS = (out, shape, r) -> java.util.Arrays.fill(out, 0f);

  Init ONES = (out, shape, r) -> java.util.Arrays.fill(out, 1f);

  /** N(0, std^2). */
  static Init normal(double std) {
    return (out, shape, r) -> {
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) (std * gaussian(r));
      }
    };
  }

  /** N(0, std^2) truncated to [-2 std, 2 std] (timm's trunc_normal_ with its default bounds scaled by std). */
  static Init truncNormal(double std) {
    return (out, shape, r) -> {
      for (int i = 0; i < out.length; i++) {
        double g;
        do {
          g = gaussian(r);
        } while (g < -2 || g > 2);
        out[i] = (float) (std * g);
      }
    };
  }

  /** U(lo, hi). */
  static Init uniform(double lo, double hi) {
    return (out, shape, r) -> {
      for (int i = 0; i < out.length; i++) {
        out[i] = (float) (lo + (hi - lo) * r.nextDouble());
      }
    };
  }

  /** Xavier/Glorot uniform for a weight of shape (out, in, ...): U(-a, a), a = sqrt(6 / (fan_in + fan_out)). */
  static Init xavierUniform() {
    return (out, shape, r) -> {
      long receptive = 1;
      for (int i = 2; i < shape.length; i++) {
        receptive *= shape[i];
      }
      double fanIn = shape[1] * receptive;
      double fanOut = shape[0] * receptive;
      double a = Math.sqrt(6.0 / (fanIn + fanOut));
      uniform(-a, a).fill(out, shape, r);
    };
  }

  /** Fixed values (e.g. a sin-cos table); the array must have the parameter's size. */
  static Init constant(float[] values) {
    return (out, shape, r) -> System.arraycopy(values, 0, out, 0, out.length);
  }

  private static double gaussian(SplittableRandom r) {
    // Box-Muller on two uniforms in (0, 1]; deterministic given the stream.
    double u1 = 1.0 - r.nextDouble();
    double u2 = r.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
