package io.decq.train.data;

import io.decq.core.image.RgbImage;
import java.util.Arrays;

/**
 * Bicubic resizing of 8-bit RGB images with exactly the arithmetic of PIL's {@code Image.resize(size,
 * BICUBIC)} (Pillow's {@code Resample.c}), which is what torchvision's {@code Resize} runs on PIL
 * images. Separable, horizontal pass first; the intermediate image is rounded to uint8 as in PIL.
 *
 * <p>Per output pixel {@code i} of an axis scaled by {@code scale = in / out}: the kernel (Keys cubic,
 * a = -0.5, support 2) is stretched by {@code max(scale, 1)} (the antialias when shrinking), centred at
 * {@code (i + 0.5) * scale}, cut to the input, normalised to sum 1, then quantised to 22-bit fixed point;
 * each pass accumulates in integers with a rounding bias and clamps to 0..255. An axis whose size does
 * not change is copied, as PIL does.
 */
public final class PilResize {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final double SUPPORT = 2.0;

  private PilResize() {}

  /** {@code image} resized to {@code outHeight x outWidth}. */
  public static RgbImage bicubic(RgbImage image, int outHeight, int outWidth) {
    if (outHeight < 1 || outWidth < 1) {
      throw new IllegalArgumentException("resize target must be at least 1x1, got " + outHeight + "x" + outWidth);
    }
    RgbImage cur = image;
    if (outWidth != image.width()) {
      cur = horizontal(cur, new Coefficients(image.width(), outWidth));
    }
    if (outHeight != image.height()) {
      cur = vertical(cur, new Coefficients(image.height(), outHeight));
    }
    return cur == image ? new RgbImage(image.height(), image.width(), image.rgb().clone()) : cur;
  }

  /** PIL's fixed-point bicubic weights for one axis resized from {@code inSize} to {@code outSize} samples. */
  private static final class Coefficients {
    final int ksize;
    final int[] start;
    final int[] count;
    final int[] weights;

    Coefficients(int inSize, int outSize) {
      double scale = (double) inSize / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = SUPPORT * filterScale;
      ksize = (int) Math.ceil(support) * 2 + 1;
      start = new int[outSize];
      count = new int[outSize];
      weights = new int[outSize * ksize];
      double[] k = new double[ksize];
      for (int i = 0; i < outSize; i++) {
        double center = (i + 0.5) * scale;
        double inv = 1.0 / filterScale;
        int min = Math.max((int) (center - support + 0.5), 0);
        int max = Math.min((int) (center + support + 0.5), inSize) - min;
        double sum = 0;
        for (int x = 0; x < max; x++) {
          k[x] = kernel((x + min - center + 0.5) * inv);
          sum += k[x];
        }
        for (int x = 0; x < max; x++) {
          double w = sum != 0.0 ? k[x] / sum : k[x];
          weights[i * ksize + x] = w < 0
              ? (int) (-0.5 + w * (1 << PRECISION_BITS))
              : (int) (0.5 + w * (1 << PRECISION_BITS));
        }
        start[i] = min;
        count[i] = max;
      }
    }
  }

  /** Keys' cubic convolution kernel with a = -0.5 (PIL's BICUBIC). */
  private static double kernel(double x) {
    final double a = -0.5;
    double t = Math.abs(x);
    if (t < 1.0) {
      return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
    }
    if (t < 2.0) {
      return (((t - 5) * t + 8) * t - 4) * a;
    }
    return 0.0;
  }

  private static RgbImage horizontal(RgbImage in, Coefficients c) {
    int h = in.height();
    int inW = in.width();
    int outW = c.start.length;
    byte[] src = in.rgb();
    byte[] out = new byte[h * outW * 3];
    int bias = 1 << (PRECISION_BITS - 1);
    for (int y = 0; y < h; y++) {
      int row = y * inW * 3;
      int o = y * outW * 3;
      for (int x = 0; x < outW; x++) {
        int base = x * c.ksize;
        int p = row + c.start[x] * 3;
        int r = bias;
        int g = bias;
        int b = bias;
        for (int k = 0, n = c.count[x]; k < n; k++, p += 3) {
          int w = c.weights[base + k];
          r += (src[p] & 0xFF) * w;
          g += (src[p + 1] & 0xFF) * w;
          b += (src[p + 2] & 0xFF) * w;
        }
        out[o++] = clip8(r);
        out[o++] = clip8(g);
        out[o++] = clip8(b);
      }
    }
    return new RgbImage(h, outW, out);
  }

  private static RgbImage vertical(RgbImage in, Coefficients c) {
    int w = in.width();
    int outH = c.start.length;
    byte[] src = in.rgb();
    byte[] out = new byte[outH * w * 3];
    int stride = w * 3;
    int[] acc = new int[stride];
    for (int y = 0; y < outH; y++) {
      Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
      int base = y * c.ksize;
      for (int k = 0, n = c.count[y]; k < n; k++) {
        int weight = c.weights[base + k];
        int row = (c.start[y] + k) * stride;
        for (int i = 0; i < stride; i++) {
          acc[i] += (src[row + i] & 0xFF) * weight;
        }
      }
      int o = y * stride;
      for (int i = 0; i < stride; i++) {
        out[o + i] = clip8(acc[i]);
      }
    }
    return new RgbImage(outH, w, out);
  }

  private static byte clip8(int acc) {
    int v = acc >> PRECISION_BITS;
    return (byte) (v < 0 ? 0 : Math.min(v, 255));
  }
}
