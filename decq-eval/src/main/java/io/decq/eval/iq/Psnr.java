package io.decq.eval.iq;

import io.decq.core.image.RgbImage;

/** Peak signal-to-noise ratio of two same-sized RGB images (see {@link PsnrDefinition}). */
public final class Psnr {
  private Psnr() {}

  /** PSNR in dB under {@code definition}. */
  public static double psnr(RgbImage reference, RgbImage candidate, PsnrDefinition definition) {
    return switch (definition) {
      case UINT8 -> uint8(reference, candidate);
      case RAE -> rae(reference, candidate);
    };
  }

  /**
   * scikit-image's PSNR with data range 255: 10·log10(255² / MSE), MSE over all values in float64
   * (the sum of squared uint8 differences is exact in a long). +Infinity for identical images.
   */
  public static double uint8(RgbImage reference, RgbImage candidate) {
    byte[] a = pixels(reference, candidate);
    byte[] b = candidate.rgb();
    long sum = 0;
    for (int i = 0; i < a.length; i++) {
      int d = (a[i] & 0xFF) - (b[i] & 0xFF);
      sum += (long) d * d;
    }
    double mse = (double) sum / a.length;
    return 10.0 * Math.log10(255.0 * 255.0 / mse);
  }

  /**
   * RAE's PSNR, emulating its float32 arithmetic: x / 255 in float32, squared float32 differences,
   * MSE rounded to float32, then 20·log10(1 / sqrt(max(MSE, 1e-10))) with float32 rounding per step.
   */
  public static double rae(RgbImage reference, RgbImage candidate) {
    byte[] a = pixels(reference, candidate);
    byte[] b = candidate.rgb();
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      float d = (a[i] & 0xFF) / 255f - (b[i] & 0xFF) / 255f;
      sum += d * d;
    }
    float mse = Math.max((float) (sum / a.length), 1e-10f);
    float inverseRms = 1f / (float) Math.sqrt(mse);
    return 20f * (float) Math.log10(inverseRms);
  }

  private static byte[] pixels(RgbImage reference, RgbImage candidate) {
    if (reference.height() != candidate.height() || reference.width() != candidate.width()) {
      throw new IllegalArgumentException("PSNR needs same-sized images: " + reference.height() + "x" + reference.width()
          + " vs " + candidate.height() + "x" + candidate.width());
    }
    return reference.rgb();
  }
}
