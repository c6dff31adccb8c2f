package io.decq.eval.iq;

import java.util.Arrays;
import java.util.Locale;

/**
 * The three SSIM definitions in use, which differ by up to ~1e-2 on the same pair, so every report
 * names the one it used. All use K1 = 0.01, K2 = 0.03, work per RGB channel and average the channels.
 *
 * <ul>
 *   <li>{@link #SKIMAGE}: scikit-image {@code structural_similarity(channel_axis=2, data_range=255)}
 *       defaults: 7x7 uniform window, sample covariance (x 49/48), mean over the map with a 3-px border
 *       cropped.
 *   <li>{@link #GAUSSIAN}: Wang et al. 2004 as scikit-image's {@code gaussian_weights=True, sigma=1.5,
 *       use_sample_covariance=False}: 11-tap Gaussian (truncate 3.5), population covariance, 5-px crop.
 *   <li>{@link #TORCHMETRICS}: torchmetrics >= 1.5 {@code structural_similarity_index_measure} on [0, 1]
 *       floats with data range 1 (what the RAE code reports): the same Gaussian, but the inputs are
 *       reflect-padded by 5 px (mirror without repeating the edge pixel), variances are clamped at 0,
 *       and the mean is taken over the full map, borders included. torchmetrics <= 1.4 cropped instead
 *       and then equalled {@link #GAUSSIAN}.
 * </ul>
 */
public enum SsimDefinition {
  SKIMAGE(3, 49.0 / 48.0, false),
  GAUSSIAN(5, 1.0, false),
  TORCHMETRICS(5, 1.0, true);

  private final int radius;
  private final double covarianceNorm;
  private final boolean reflectPadded;

  SsimDefinition(int radius, double covarianceNorm, boolean reflectPadded) {
    this.radius = radius;
    this.covarianceNorm = covarianceNorm;
    this.reflectPadded = reflectPadded;
  }

  /** The name used on the command line and in reports. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Half the window size: 3 for the 7x7 uniform window, 5 for the 11-tap Gaussian. */
  public int radius() {
    return radius;
  }

  /** Factor on the window variances: NP / (NP - 1) for the sample covariance, 1 for the population one. */
  double covarianceNorm() {
    return covarianceNorm;
  }

  /** Whether the map covers the whole image (reflect padding) instead of the window-sized interior. */
  boolean reflectPadded() {
    return reflectPadded;
  }

  /** The smallest height or width the definition accepts. */
  public int minSide() {
    return reflectPadded ? radius + 1 : 2 * radius + 1;
  }

  /** The normalised 1-D window: uniform (1/7 each) or Gaussian sigma 1.5 over -5..5. */
  double[] window() {
    double[] w = new double[2 * radius + 1];
    if (this == SKIMAGE) {
      Arrays.fill(w, 1.0 / w.length);
      return w;
    }
    double sigma = 1.5;
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      double x = i - radius;
      w[i] = Math.exp(-0.5 * x * x / (sigma * sigma));
      sum += w[i];
    }
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    return w;
  }

  /** Parses a command-line name ({@code skimage}, {@code gaussian}, {@code torchmetrics}). */
  public static SsimDefinition parse(String name) {
    for (SsimDefinition d : values()) {
      if (d.cliName().equals(name.toLowerCase(Locale.ROOT))) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown SSIM definition '" + name + "' (expected skimage, gaussian or torchmetrics)");
  }
}
