package io.decq.eval.iq;

import java.util.Locale;

/**
 * The two PSNR definitions: {@link #UINT8} is the standard one; {@link #RAE} is what the RAE paper's
 * evaluation code reports. They agree to a few 1e-6 dB except on identical images.
 *
 * <ul>
 *   <li>{@link #UINT8}: scikit-image {@code peak_signal_noise_ratio(ref, dist, data_range=255)} on uint8
 *       RGB: float64 MSE over all 3·H·W values, 10·log10(255² / MSE); identical images give +Infinity.
 *   <li>{@link #RAE}: bytetriper/RAE {@code ref_iqa.calculate_psnr}: float32 images in [0, 1] (x / 255),
 *       float32 MSE, 20·log10(1 / sqrt(max(MSE, 1e-10))); identical images give 100 dB. RAE skips the
 *       division by 255 when a whole batch has max <= 1 (a near-black batch); that quirk is not copied.
 * </ul>
 */
public enum PsnrDefinition {
  UINT8,
  RAE;

  /** The name used on the command line and in reports. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a command-line name ({@code uint8}, {@code rae}). */
  public static PsnrDefinition parse(String name) {
    for (PsnrDefinition d : values()) {
      if (d.cliName().equals(name.toLowerCase(Locale.ROOT))) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown PSNR definition '" + name + "' (expected uint8 or rae)");
  }
}
