package io.decq.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.SafeTensors;
import io.decq.eval.fid.FidGoldenWeights;
import io.decq.eval.report.HtmlReport;
import io.decq.eval.report.SelfContainedHtml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decq eval gen} end to end on 12 crops of the golden images evaluated against themselves: FID and
 * sFID vanish, every point lies in its own k-NN ball (precision = recall = 1), and KID takes every subset
 * as the whole set (the default size 1000 is clamped to 12), so its std is 0 and its mean is the
 * identical-set value {@code -(2/m)(mean k(x_i, x_i) - mean_{i != j} k(x_i, x_j))}, at most 0 for a
 * positive semi-definite kernel (Cauchy-Schwarz); and against their own statistics file without images
 * (statistics read from the file, no precision/recall, no KID). About 50 Inception
 * forwards and four rank-deficient Frechet distances: slow on 2 cores.
 */
@Tag("slow")
class GenCommandTest {
  @TempDir static Path dir;
  private static Path weights;
  private static Path images;

  @BeforeAll
  static void setUp() throws IOException {
    weights = dir.resolve("fid_inception.safetensors");
    SafeTensors.write(weights, FidGoldenWeights.stateDict());
    images = Files.createDirectories(dir.resolve("crops"));
    for (int i = 0; i < 3; i++) {
      RgbImage im = Images.read(FidGoldenWeights.goldenDir().resolve("fid_input" + i + ".png"));
      for (int q = 0; q < 4; q++) {
        Images.writePng(crop(im, (q / 2) * 128, (q % 2) * 128, 128), images.resolve("img" + i + "_" + q + ".png"));
      }
    }
  }

  private static RgbImage crop(RgbImage im, int top, int left, int size) {
    byte[] rgb = new byte[size * size * 3];
    for (int y = 0; y < size; y++) {
      System.arraycopy(im.rgb(), ((top + y) * im.width() + left) * 3, rgb, y * size * 3, size * 3);
    }
    return new RgbImage(size, size, rgb);
  }

  @Test
  void samplesAgainstThemselves() throws IOException {
    Path report = dir.resolve("self.json");
    Path html = dir.resolve("self.html");
    FidCommandsTest.Run r = FidCommandsTest.decq("eval", "gen", "--inception", weights.toString(), "--samples",
        images.toString(), "--ref", images.toString(), "--out", report.toString(), "--html", html.toString(), "--batch",
        "6", "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    JsonObject o = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
    assertEquals(0, o.get("fid").getAsDouble(), 1e-3, o.toString());
    assertEquals(0, o.get("sfid").getAsDouble(), 1e-3, o.toString());
    assertEquals(1.0, o.get("precision").getAsDouble(), 0, o.toString());
    assertEquals(1.0, o.get("recall").getAsDouble(), 0, o.toString());
    assertEquals(12, o.get("kid_subset_size").getAsInt(), o.toString());
    assertEquals(100, o.get("kid_subsets").getAsInt(), o.toString());
    double kid = o.get("kid_mean").getAsDouble();
    assertTrue(kid <= 0, o.toString());
    assertEquals(0, o.get("kid_std").getAsDouble(), 1e-9 * Math.max(1, Math.abs(kid)), o.toString());
    assertTrue(r.out().contains("KID: "), r.out());
    assertTrue(o.get("inception_score").getAsDouble() >= 1.0, o.toString());
    assertEquals(12, o.get("num_samples").getAsInt());
    assertEquals(12, o.get("num_reference_images").getAsInt());
    assertEquals("computed", o.get("reference_statistics").getAsString());
    assertTrue(r.out().contains("FID: "), r.out());
    assertEquals("decq eval gen", o.getAsJsonObject("provenance").get("command").getAsString());
    String page = Files.readString(html);
    SelfContainedHtml.assertSelfContained(page);
    assertTrue(page.contains(">" + HtmlReport.format(o.get("inception_score").getAsDouble()) + "<"), "IS in the page");
    assertTrue(page.contains(">" + HtmlReport.format(o.get("precision").getAsDouble()) + "<"), "precision in the page");
    assertTrue(page.contains("the first 12 images of"), "the sample grid");
  }

  @Test
  void samplesAgainstTheirStatisticsFile() throws IOException {
    Path stats = dir.resolve("ref.npz");
    FidCommandsTest.Run s = FidCommandsTest.decq("eval", "stats", "--inception", weights.toString(), "--images",
        images.toString(), "--out", stats.toString(), "--batch", "6", "--device", "cpu");
    assertEquals(0, s.code(), s.err());
    Path report = dir.resolve("file.json");
    FidCommandsTest.Run r = FidCommandsTest.decq("eval", "gen", "--inception", weights.toString(), "--samples",
        images.toString(), "--ref", stats.toString(), "--out", report.toString(), "--batch", "6", "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    JsonObject o = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
    assertEquals(0, o.get("fid").getAsDouble(), 1e-3, o.toString());
    assertEquals(0, o.get("sfid").getAsDouble(), 1e-3, o.toString());
    assertTrue(o.get("precision").isJsonNull(), o.toString());
    assertTrue(o.get("kid_mean").isJsonNull(), "KID needs the reference images: " + o);
    assertEquals("file", o.get("reference_statistics").getAsString());
    assertEquals(0, o.get("num_reference_images").getAsInt());
  }
}
