package io.decq.core.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Separable image resizes as explicit matrices. A 1-D resize from {@code in} to {@code out} samples is a
 * linear map, an {@code out x in} matrix {@code W}; a 2-D resize of a grid {@code X} is {@code W_rows · X
 * · W_colsᵀ}. The matrices are built here in double precision with PyTorch's exact arithmetic and
 * applied with {@code matMul} ({@link #apply}), which is exact up to float32 rounding, differentiable and
 * fast on a GPU. DJL's own resize cannot stand in: it always antialiases when downscaling and ignores
 * {@code align_corners}.
 *
 * <p>Three PyTorch modes are reproduced:
 *
 * <ul>
 *   <li>{@link #bilinear}: {@code F.interpolate(mode="bilinear", align_corners=False, antialias=False)}
 *       (RAE's discriminator input resize).
 *   <li>{@link #bicubic}: {@code F.interpolate(mode="bicubic", align_corners=False, antialias=False)}:
 *       Keys cubic with A = -0.75, source coordinate {@code (i + 0.5) * in / out - 0.5}, four taps
 *       clamped to the border.
 *   <li>{@link #bicubicAntialias}: {@code F.interpolate(mode="bicubic", align_corners=False,
 *       antialias=True)} with an explicit output size: PIL's bicubic filter (A = -0.5) with its support
 *       widened by the scale when downscaling, weights normalised to sum 1.
 * </ul>
 */
public final class ResizeMatrix {
  private ResizeMatrix() {}

  /**
   * PyTorch's bilinear without antialias: an {@code out x in} matrix. Source coordinate {@code src = (i +
   * 0.5) * in / out - 0.5} clamped at 0, taps {@code i0 = floor(src)} and {@code i1 = min(i0 + 1, in - 1)}
   * with weights {@code 1 - t}, {@code t}, {@code t = src - i0}.
   */
  public static double[][] bilinear(int in, int out) {
    checkSizes(in, out);
    double scale = (double) in / out;
    double[][] m = new double[out][in];
    for (int i = 0; i < out; i++) {
      double src = Math.max(scale * (i + 0.5) - 0.5, 0.0);
      int i0 = Math.min((int) Math.floor(src), in - 1);
      int i1 = Math.min(i0 + 1, in - 1);
      double t = src - i0;
      m[i][i0] += 1 - t;
      m[i][i1] += t;
    }
    return m;
  }

  /** PyTorch's bicubic without antialias (A = -0.75, border-clamped taps): an {@code out x in} matrix. */
  public static double[][] bicubic(int in, int out) {
    checkSizes(in, out);
    final double a = -0.75;
    double scale = (double) in / out;
    double[][] m = new double[out][in];
    for (int i = 0; i < out; i++) {
      double src = scale * (i + 0.5) - 0.5;
      int x0 = (int) Math.floor(src);
      double t = src - x0;
      double[] w = {keysFar(t + 1, a), keysNear(t, a), keysNear(1 - t, a), keysFar(2 - t, a)};
      for (int k = 0; k < 4; k++) {
        int j = Math.min(Math.max(x0 - 1 + k, 0), in - 1);
        m[i][j] += w[k];
      }
    }
    return m;
  }

  /**
   * PyTorch's antialiased bicubic (PIL's filter, A = -0.5) for an explicit output size: an {@code out x
   * in} matrix. For output {@code i}: {@code center = s (i + 0.5)} with {@code s = in / out}; taps {@code
   * j} in {@code [trunc(center - support + 0.5), trunc(center + support + 0.5))} clipped to the input,
   * support {@code 2 s} when downscaling (2 otherwise); weight proportional to {@code k((j - center + 0.5)
   * / max(s, 1))}, normalised to sum 1.
   */
  public static double[][] bicubicAntialias(int in, int out) {
    checkSizes(in, out);
    final double a = -0.5;
    double scale = (double) in / out;
    double support = scale >= 1.0 ? 2.0 * scale : 2.0;
    double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
    double[][] m = new double[out][in];
    for (int i = 0; i < out; i++) {
      double center = scale * (i + 0.5);
      int lo = Math.max((int) (center - support + 0.5), 0);
      int hi = Math.min((int) (center + support + 0.5), in);
      double total = 0;
      for (int j = lo; j < hi; j++) {
        double w = pilCubic((j - center + 0.5) * invScale, a);
        m[i][j] = w;
        total += w;
      }
      if (total != 0) {
        for (int j = lo; j < hi; j++) {
          m[i][j] /= total;
        }
      }
    }
    return m;
  }

  /** The transpose of {@code m} as a float32 array {@code (in, out)} owned by {@code like}'s manager. */
  public static NDArray transposed(NDArray like, double[][] m) {
    int out = m.length;
    int in = m[0].length;
    float[] t = new float[in * out];
    for (int i = 0; i < out; i++) {
      for (int j = 0; j < in; j++) {
        t[j * out + i] = (float) m[i][j];
      }
    }
    return like.getManager().create(t, new Shape(in, out)).toDevice(like.getDevice(), false);
  }

  /**
   * Resizes the last two axes of {@code x} ({@code (..., H, W)} float) to {@code (..., H', W')}:
   * {@code rows} is {@code H' x H}, {@code cols} is {@code W' x W}. Temporaries belong to {@code x}'s
   * manager.
   */
  public static NDArray apply(NDArray x, double[][] rows, double[][] cols) {
    int nd = x.getShape().dimension();
    int[] swap = new int[nd];
    for (int i = 0; i < nd; i++) {
      swap[i] = i;
    }
    swap[nd - 2] = nd - 1;
    swap[nd - 1] = nd - 2;
    NDArray wide = x.matMul(transposed(x, cols)); // (..., H, W')
    NDArray tall = wide.transpose(swap).matMul(transposed(x, rows)); // (..., W', H')
    return tall.transpose(swap); // (..., H', W')
  }

  private static void checkSizes(int in, int out) {
    if (in < 1 || out < 1) {
      throw new IllegalArgumentException("resize sizes must be >= 1, got " + in + " -> " + out);
    }
  }

  /** Keys' cubic for |x| <= 1. */
  private static double keysNear(double x, double a) {
    return ((a + 2) * x - (a + 3)) * x * x + 1;
  }

  /** Keys' cubic for 1 < |x| < 2. */
  private static double keysFar(double x, double a) {
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  }

  /** PIL's bicubic filter. */
  private static double pilCubic(double x, double a) {
    double ax = Math.abs(x);
    if (ax < 1.0) {
      return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1;
    }
    if (ax < 2.0) {
      return (((ax - 5) * ax + 8) * ax - 4) * a;
    }
    return 0.0;
  }
}
