package io.decq.eval.iq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PSNR and SSIM against scikit-image 0.19.3, torchmetrics 1.9.0 and RAE's ref_iqa.py on the golden photo
 * pairs ({@code iqa_expected.json}, 24 pairs: JPEG 30/75, Gaussian blur, 1-px shift).
 */
@Tag("parity")
class IqParityTest {
  private static JsonObject expected;
  /** The decoded reference and distorted image of each golden pair, in the order of {@code pairs}. */
  private static final List<RgbImage[]> IMAGES = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    Path golden = Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"));
    expected = JsonParser.parseString(Files.readString(golden.resolve("iqa_expected.json"))).getAsJsonObject();
    for (JsonElement e : expected.getAsJsonArray("pairs")) {
      JsonObject p = e.getAsJsonObject();
      IMAGES.add(new RgbImage[] {
        Images.read(golden.resolve(p.get("reference_png").getAsString())),
        Images.read(golden.resolve(p.get("distorted_png").getAsString()))
      });
    }
  }

  /** Max |ours - reference| of one metric over every pair, printed and bounded by {@code atol}. */
  private static double check(String key, double atol, Metric metric) {
    JsonArray pairs = expected.getAsJsonArray("pairs");
    double max = 0;
    double sum = 0;
    for (int i = 0; i < pairs.size(); i++) {
      JsonObject p = pairs.get(i).getAsJsonObject();
      double ours = metric.apply(IMAGES.get(i)[0], IMAGES.get(i)[1]);
      double diff = Math.abs(ours - p.get(key).getAsDouble());
      max = Math.max(max, diff);
      sum += ours;
      assertTrue(diff <= atol, () -> String.format(Locale.ROOT, "%s %s vs %s: ours %.10f, reference %.10f (|diff| %.3g > %.1g)",
          key, p.get("reference_png").getAsString(), p.get("distorted_png").getAsString(), ours, p.get(key).getAsDouble(), diff, atol));
    }
    System.out.printf(Locale.ROOT, "iq parity %-42s %d pairs, max |diff| %.3e (atol %.0e)%n", key, pairs.size(), max, atol);
    return sum / pairs.size();
  }

  interface Metric {
    double apply(RgbImage reference, RgbImage candidate);
  }

  @Test
  void psnrMatchesScikitImage() {
    check("psnr_skimage_uint8_range255", 1e-6, Psnr::uint8);
  }

  @Test
  void raePsnrMatchesRaeRefIqa() {
    double mean = check("psnr_rae_ref_iqa", 1e-4, Psnr::rae);
    double ref = expected.getAsJsonObject("summary").get("rae_calculate_psnr_mean_bs8").getAsDouble();
    System.out.printf(Locale.ROOT, "iq parity rae psnr mean over pairs: |diff| %.3e%n", Math.abs(mean - ref));
    assertEquals(ref, mean, 1e-4);
  }

  @Test
  void ssimSkimageMatchesScikitImageDefaults() {
    check("ssim_skimage_default_uniform7_samplecov", 1e-6, (a, b) -> Ssim.ssim(a, b, SsimDefinition.SKIMAGE));
  }

  @Test
  void ssimGaussianMatchesScikitImageGaussianWeights() {
    check("ssim_skimage_gaussian1.5_popcov", 1e-6, (a, b) -> Ssim.ssim(a, b, SsimDefinition.GAUSSIAN));
  }

  @Test
  void ssimTorchmetricsMatchesTorchmetrics() {
    check("ssim_torchmetrics_float01_range1", 1e-4, (a, b) -> Ssim.ssim(a, b, SsimDefinition.TORCHMETRICS));
    check("ssim_rae_ref_iqa", 1e-4, (a, b) -> Ssim.ssim(a, b, SsimDefinition.TORCHMETRICS));
    // Our float64 run against torchmetrics' own float64 run: only summation order differs.
    double mean = check("ssim_torchmetrics_float64_info", 1e-10, (a, b) -> Ssim.ssim(a, b, SsimDefinition.TORCHMETRICS));
    double ref = expected.getAsJsonObject("summary").get("rae_calculate_ssim_mean_bs8").getAsDouble();
    assertEquals(ref, mean, 1e-4);
  }
}
