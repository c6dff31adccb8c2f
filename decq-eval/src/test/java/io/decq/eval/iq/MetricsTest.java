package io.decq.eval.iq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.image.RgbImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Analytic cases of PSNR and SSIM (values that follow from the definitions, not from our code). */
class MetricsTest {
  private static RgbImage random(int h, int w, long seed) {
    byte[] b = new byte[h * w * 3];
    new Random(seed).nextBytes(b);
    return new RgbImage(h, w, b);
  }

  private static RgbImage plus(RgbImage im, int delta) {
    byte[] b = im.rgb().clone();
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Math.min(255, Math.max(0, (b[i] & 0xFF) + delta));
    }
    return new RgbImage(im.height(), im.width(), b);
  }

  @Test
  void psnrOfAUnitErrorEverywhereIs20Log10Of255() {
    RgbImage a = plus(new RgbImage(9, 11, new byte[9 * 11 * 3]), 100);
    RgbImage b = plus(a, 1);
    assertEquals(20 * Math.log10(255), Psnr.uint8(a, b), 1e-12);
    assertEquals(20 * Math.log10(255), Psnr.rae(a, b), 1e-4);
  }

  @Test
  void identicalImages() {
    RgbImage a = random(32, 24, 1);
    assertEquals(Double.POSITIVE_INFINITY, Psnr.uint8(a, a));
    assertEquals(100.0, Psnr.rae(a, a), 1e-4, "RAE clamps the MSE at 1e-10");
    for (SsimDefinition d : SsimDefinition.values()) {
      assertEquals(1.0, Ssim.ssim(a, a, d), 1e-12, d.cliName());
    }
  }

  @Test
  void ssimOfConstantImagesIsTheLuminanceTerm() {
    // Constant images: all variances vanish, so SSIM = (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1).
    RgbImage a = plus(new RgbImage(16, 16, new byte[16 * 16 * 3]), 100);
    RgbImage b = plus(a, 20);
    double c1 = (0.01 * 255) * (0.01 * 255);
    double want = (2 * 100.0 * 120.0 + c1) / (100.0 * 100.0 + 120.0 * 120.0 + c1);
    for (SsimDefinition d : SsimDefinition.values()) {
      assertEquals(want, Ssim.ssim(a, b, d), 1e-6, d.cliName());
    }
  }

  @Test
  void ssimIsSymmetricAndNearZeroForIndependentNoise() {
    RgbImage a = random(20, 30, 2);
    RgbImage b = random(20, 30, 3);
    for (SsimDefinition d : SsimDefinition.values()) {
      double ab = Ssim.ssim(a, b, d);
      assertEquals(ab, Ssim.ssim(b, a, d), 1e-12);
      assertTrue(Math.abs(ab) < 0.1, d.cliName() + " of independent noise: " + ab);
    }
  }

  @Test
  void rejectsDifferentSizes() {
    assertThrows(IllegalArgumentException.class, () -> Psnr.uint8(random(8, 8, 1), random(8, 9, 1)));
    assertThrows(IllegalArgumentException.class, () -> Ssim.ssim(random(12, 12, 1), random(12, 13, 1), SsimDefinition.GAUSSIAN));
    assertThrows(IllegalArgumentException.class, () -> Ssim.ssim(random(10, 12, 1), random(10, 12, 1), SsimDefinition.GAUSSIAN));
  }
}
