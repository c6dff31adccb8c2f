package io.decq.eval.iq;

import io.decq.core.image.RgbImage;

/**
 * Structural similarity of two same-sized RGB images, in float64, under one of the {@link
 * SsimDefinition}s. Per channel: window means mu, variances s² and covariance s_xy from the separable
 * window w, then the map SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x² + mu_y² + C1)(s_x² + s_y² + C2))
 * with C1 = (0.01 L)², C2 = (0.03 L)², L the data range; the score is the map's mean, averaged over R, G, B.
 *
 * <p>Sizes: H, W the image; r the window radius; the map is (H - 2r) x (W - 2r) (scikit-image's crop
 * of the window radius) or H x W after reflect padding by r (torchmetrics).
 */
public final class Ssim {
  private static final double K1 = 0.01;
  private static final double K2 = 0.03;

  private Ssim() {}

  /** The SSIM index of {@code candidate} against {@code reference} (symmetric in the two). */
  public static double ssim(RgbImage reference, RgbImage candidate, SsimDefinition definition) {
    int h = reference.height();
    int w = reference.width();
    if (h != candidate.height() || w != candidate.width()) {
      throw new IllegalArgumentException("SSIM needs same-sized images: " + h + "x" + w + " vs "
          + candidate.height() + "x" + candidate.width());
    }
    if (Math.min(h, w) < definition.minSide()) {
      throw new IllegalArgumentException("SSIM (" + definition.cliName() + ") needs images of at least "
          + definition.minSide() + "x" + definition.minSide() + " pixels, got " + h + "x" + w);
    }
    double sum = 0;
    for (int c = 0; c < 3; c++) {
      sum += channelMean(reference, candidate, c, definition);
    }
    return sum / 3;
  }

  private static double channelMean(RgbImage reference, RgbImage candidate, int channel, SsimDefinition d) {
    // torchmetrics works on float32 u / 255 with data range 1; scikit-image on the uint8 values with 255.
    boolean unit = d == SsimDefinition.TORCHMETRICS;
    double range = unit ? 1.0 : 255.0;
    double c1 = (K1 * range) * (K1 * range);
    double c2 = (K2 * range) * (K2 * range);
    int r = d.radius();
    int pad = d.reflectPadded() ? r : 0;
    double[] x = plane(reference, channel, unit, pad); // (H + 2 pad, W + 2 pad)
    double[] y = plane(candidate, channel, unit, pad);
    int ph = reference.height() + 2 * pad;
    int pw = reference.width() + 2 * pad;
    int n = x.length;
    double[] xx = new double[n];
    double[] yy = new double[n];
    double[] xy = new double[n];
    for (int i = 0; i < n; i++) {
      xx[i] = x[i] * x[i];
      yy[i] = y[i] * y[i];
      xy[i] = x[i] * y[i];
    }
    double[] win = d.window();
    int oh = ph - 2 * r;
    int ow = pw - 2 * r;
    double[] mx = filter(x, ph, pw, win); // (oh, ow)
    double[] my = filter(y, ph, pw, win);
    double[] mxx = filter(xx, ph, pw, win);
    double[] myy = filter(yy, ph, pw, win);
    double[] mxy = filter(xy, ph, pw, win);
    double norm = d.covarianceNorm();
    double sum = 0;
    for (int i = 0; i < oh * ow; i++) {
      double vx = norm * (mxx[i] - mx[i] * mx[i]);
      double vy = norm * (myy[i] - my[i] * my[i]);
      double vxy = norm * (mxy[i] - mx[i] * my[i]);
      if (unit) {
        vx = Math.max(vx, 0.0);
        vy = Math.max(vy, 0.0);
      }
      double num = (2 * mx[i] * my[i] + c1) * (2 * vxy + c2);
      double den = (mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2);
      sum += num / den;
    }
    return sum / (oh * ow);
  }

  /**
   * One channel as doubles (the uint8 values, or with {@code unit} the float32 values u / 255 that
   * torchmetrics receives), mirrored by {@code pad} pixels on every side (edge not repeated).
   */
  private static double[] plane(RgbImage image, int channel, boolean unit, int pad) {
    int h = image.height();
    int w = image.width();
    int ph = h + 2 * pad;
    int pw = w + 2 * pad;
    byte[] rgb = image.rgb();
    double[] out = new double[ph * pw];
    for (int py = 0; py < ph; py++) {
      int sy = mirror(py - pad, h);
      for (int px = 0; px < pw; px++) {
        int sx = mirror(px - pad, w);
        int u = rgb[(sy * w + sx) * 3 + channel] & 0xFF;
        out[py * pw + px] = unit ? u / 255f : u;
      }
    }
    return out;
  }

  private static int mirror(int i, int n) {
    if (i < 0) {
      return -i;
    }
    return i >= n ? 2 * (n - 1) - i : i;
  }

  /** Separable "valid" correlation of an (h, w) plane with {@code win} along both axes: (h - 2r, w - 2r). */
  private static double[] filter(double[] in, int h, int w, double[] win) {
    int k = win.length;
    int ow = w - k + 1;
    int oh = h - k + 1;
    double[] rows = new double[h * ow]; // (h, ow)
    for (int y = 0; y < h; y++) {
      int base = y * w;
      for (int x = 0; x < ow; x++) {
        double s = 0;
        for (int t = 0; t < k; t++) {
          s += win[t] * in[base + x + t];
        }
        rows[y * ow + x] = s;
      }
    }
    double[] out = new double[oh * ow]; // (oh, ow)
    for (int y = 0; y < oh; y++) {
      for (int t = 0; t < k; t++) {
        double wt = win[t];
        int src = (y + t) * ow;
        int dst = y * ow;
        for (int x = 0; x < ow; x++) {
          out[dst + x] += wt * rows[src + x];
        }
      }
    }
    return out;
  }
}
