package io.decq.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.util.Provenance;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  @TempDir Path tmp;

  /** A run directory as a trainer writes it: metrics.jsonl beside checkpoints/step-N/. */
  private Path run(int steps) throws IOException {
    Path run = tmp.resolve("run");
    Path ckpt = Files.createDirectories(run.resolve("checkpoints/step-0000100"));
    Files.writeString(ckpt.resolve("model.safetensors"), "");
    List<String> lines = new ArrayList<>();
    for (int s = 1; s <= steps; s++) {
      double l1 = 1.0 / s;
      double lpips = 0.01 + 0.001 / s;
      lines.add("{\"step\": " + s + ", \"loss\": " + (l1 + lpips) + ", \"l1\": " + l1 + ", \"lpips\": " + lpips
          + ", \"lr\": " + (1e-4 * Math.min(1.0, s / 10.0)) + ", \"grad_norm\": " + (0.5 + 1.0 / s)
          + ", \"images_per_s\": 12.5, \"data_wait\": 0.01, \"note\": \"text is skipped\"}");
    }
    Files.write(run.resolve("metrics.jsonl"), lines);
    return ckpt.resolve("model.safetensors");
  }

  @Test
  void findsTheMetricsOfTheRunACheckpointBelongsTo() throws IOException {
    Path weights = run(5);
    Path metrics = tmp.resolve("run/metrics.jsonl").toAbsolutePath();
    assertEquals(metrics, LossCurves.find(weights).orElseThrow());
    assertEquals(metrics, LossCurves.find(weights.getParent()).orElseThrow());
    assertEquals(metrics, LossCurves.find(tmp.resolve("run")).orElseThrow());
    assertTrue(LossCurves.find(Files.createDirectories(tmp.resolve("elsewhere"))).isEmpty());
  }

  @Test
  void readsEveryNumericColumn() throws IOException {
    run(3);
    Path metrics = tmp.resolve("run/metrics.jsonl");
    Files.writeString(metrics, Files.readString(metrics) + "{\"step\": 4, \"loss\": 0.");
    Map<String, LossCurves.Series> series = LossCurves.read(metrics);
    assertEquals(List.of("loss", "l1", "lpips", "lr", "grad_norm", "images_per_s", "data_wait"), new ArrayList<>(series.keySet()));
    assertEquals(3, series.get("l1").steps().length, "the unfinished last line is skipped");
    assertEquals(1.0 / 3, series.get("l1").values()[2], 0);
  }

  @Test
  void aMalformedLineInTheMiddleIsBadInput() throws IOException {
    Path metrics = tmp.resolve("metrics.jsonl");
    Files.write(metrics, List.of("{\"step\": 1, \"loss\": 1}", "oops", "{\"step\": 3, \"loss\": 1}"));
    BadInputException e = assertThrows(BadInputException.class, () -> LossCurves.read(metrics));
    assertTrue(e.getMessage().startsWith(metrics + ":2:"), e.getMessage());
  }

  @Test
  void pageIsSelfContainedAndHoldsTablesImagesAndCurves() throws IOException {
    Path weights = run(3000);
    RgbImage red = solid(40, 30, 255, 0, 0);
    RgbImage blue = solid(40, 30, 0, 0, 255);
    Map<String, Object> means = new LinkedHashMap<>();
    means.put("PSNR <dB>", 31.234567891);
    means.put("SSIM", 0.912345678);
    Path file = tmp.resolve("report.html");
    new HtmlReport("Test & report")
        .text("Plain <text> & more")
        .metrics("Means", means)
        .table("Rows", List.of("name", "value"), List.of(List.of("a", 1.5), List.of("b", Double.POSITIVE_INFINITY)))
        .image("red | blue", Images.grid(List.of(red, blue), 2, 4))
        .lossCurvesNear(weights)
        .provenance(Provenance.of("eval test", Map.of("input", "/x")))
        .write(file);
    String page = Files.readString(file);

    SelfContainedHtml.assertSelfContained(page);
    assertTrue(page.contains("<title>Test &amp; report</title>"));
    assertTrue(page.contains("Plain &lt;text&gt; &amp; more"));
    assertTrue(page.contains("PSNR &lt;dB&gt;"));
    assertTrue(page.contains(">31.2346<"), "numbers are in the table");
    assertTrue(page.contains(">0.912346<"));
    assertTrue(page.contains(">inf<"));
    assertTrue(page.contains("decq eval test"), "provenance");
    // Five charts (loss terms, lr, gradient norm, throughput, data wait); the first has loss, l1 and lpips,
    // log-scaled (1 .. 3e-4).
    assertEquals(5, count(page, "<svg"));
    assertEquals(7, count(page, "<polyline"));
    assertTrue(page.contains(">gradient norm<") && page.contains(">data wait (fraction)<"));
    assertTrue(page.contains("loss (log)"));
    assertFalse(page.contains(">note<"), "text columns are not drawn");

    Matcher m = Pattern.compile("src=\"data:image/png;base64,([^\"]+)\"").matcher(page);
    assertTrue(m.find());
    RgbImage shown = Images.fromBuffered(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))));
    assertEquals(40 + 8, shown.height());
    assertEquals(30 * 2 + 12, shown.width());
    assertEquals(255, shown.get(4, 4, 0));
    assertEquals(255, shown.get(4, 30 + 8, 2));
  }

  @Test
  void largeImagesAreShrunkForDisplay() {
    String page = new HtmlReport("big").image("big", solid(2100, 900, 10, 20, 30)).render();
    assertTrue(page.contains("width=\"450\""), "2100x900 (HxW) shrinks by 2 to 1050x450");
  }

  @Test
  void noCurvesWithoutAMetricsFile() throws IOException {
    String page = new HtmlReport("x").lossCurvesNear(Files.createDirectories(tmp.resolve("lonely"))).render();
    assertFalse(page.contains("<svg"));
  }

  private static RgbImage solid(int h, int w, int r, int g, int b) {
    byte[] px = new byte[h * w * 3];
    for (int i = 0; i < h * w; i++) {
      px[3 * i] = (byte) r;
      px[3 * i + 1] = (byte) g;
      px[3 * i + 2] = (byte) b;
    }
    return new RgbImage(h, w, px);
  }

  private static int count(String s, String sub) {
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
      n++;
    }
    return n;
  }
}
