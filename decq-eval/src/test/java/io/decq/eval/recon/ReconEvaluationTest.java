package io.decq.eval.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.util.Provenance;
import io.decq.eval.fid.FidGoldenWeights;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.fid.GenerativeMetrics;
import io.decq.eval.iq.ImageQuality;
import io.decq.eval.iq.IqReport;
import io.decq.eval.iq.PsnrDefinition;
import io.decq.eval.iq.SsimDefinition;
import io.decq.eval.report.HtmlReport;
import io.decq.eval.report.SelfContainedHtml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ReconEvaluation} with a stand-in autoencoder (a box blur of a different strength per image) on
 * the bundled 256x256 validation photos: the scores equal {@code eval iq}'s on the saved reconstructions,
 * the reports hold them, and bad input fails before any reconstruction.
 */
class ReconEvaluationTest {
  static final Path VAL = Path.of(System.getProperty("decq.test.data", "../src-test-data")).resolve("images/val");

  @TempDir Path tmp;

  /** Blurs each image with a box of radius 1 + (its mean red value mod 3): a different error per image. */
  static final class Blur implements Reconstructor {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public int imageSize() {
      return 256;
    }

    @Override
    public List<RgbImage> reconstruct(List<RgbImage> images) {
      calls.incrementAndGet();
      List<RgbImage> out = new ArrayList<>();
      for (RgbImage im : images) {
        out.add(blur(im, 1 + im.get(128, 128, 0) % 3));
      }
      return out;
    }

    static RgbImage blur(RgbImage im, int r) {
      byte[] out = new byte[im.rgb().length];
      for (int y = 0; y < im.height(); y++) {
        for (int x = 0; x < im.width(); x++) {
          for (int c = 0; c < 3; c++) {
            int sum = 0;
            int n = 0;
            for (int dy = -r; dy <= r; dy++) {
              for (int dx = -r; dx <= r; dx++) {
                int yy = Math.min(im.height() - 1, Math.max(0, y + dy));
                int xx = Math.min(im.width() - 1, Math.max(0, x + dx));
                sum += im.get(yy, xx, c);
                n++;
              }
            }
            out[(y * im.width() + x) * 3 + c] = (byte) ((sum + n / 2) / n);
          }
        }
      }
      return new RgbImage(im.height(), im.width(), out);
    }
  }

  private static ReconEvaluation.Options options(Path save, int batch) {
    return new ReconEvaluation.Options(PsnrDefinition.UINT8, SsimDefinition.SKIMAGE, batch, save, null, FidPreprocess.TF, 4);
  }

  @Test
  void scoresEqualEvalIqOnTheSavedReconstructionsAndTheReportsHoldThem() throws IOException {
    List<Path> files = Images.list(VAL);
    Path save = tmp.resolve("recon");
    Blur blur = new Blur();
    ReconEvaluation.Result r = ReconEvaluation.run(blur, files, options(save, 3));
    assertEquals(3, blur.calls.get(), "7 images in batches of 3");
    assertEquals(files.size(), r.saved().size());
    assertEquals(null, r.rfid());

    // The same pairs through eval iq's folder path (reads the PNGs written).
    ImageQuality.Result iq = ImageQuality.evaluate(VAL, save, PsnrDefinition.UINT8, SsimDefinition.SKIMAGE, 2);
    assertEquals(iq.perImage(), r.quality().perImage());
    assertEquals(iq.meanPsnr(), r.quality().meanPsnr(), 0);
    assertEquals(iq.meanSsim(), r.quality().meanSsim(), 0);

    // The four lowest PSNRs, lowest first, with the images they were scored on.
    List<ImageQuality.PairScore> worst = IqReport.worst(iq.perImage(), 4);
    assertEquals(worst, r.worst().stream().map(IqReport.ShownPair::score).toList());
    for (IqReport.ShownPair p : r.worst()) {
      assertEquals(p.score(), ImageQuality.score(p.score().name(), p.left(), p.right(), PsnrDefinition.UINT8,
          SsimDefinition.SKIMAGE));
    }

    // A run directory with a metrics.jsonl beside the checkpoint: the page draws its curves.
    Path ckpt = Files.createDirectories(tmp.resolve("run/checkpoints/step-0000003"));
    Files.write(tmp.resolve("run/metrics.jsonl"), List.of("{\"step\": 1, \"loss\": 0.9, \"l1\": 0.9, \"lr\": 0.001}",
        "{\"step\": 2, \"loss\": 0.5, \"l1\": 0.5, \"lr\": 0.002}"));
    JsonObject provenance = Provenance.of("eval recon", Map.of("images", VAL.toString()));
    Map<String, Object> about = Map.of("checkpoint_step", 3);
    JsonObject json = ReconReport.toJson(r, "tf", about, provenance);
    assertEquals("skimage", json.get("ssim_definition").getAsString());
    assertEquals(r.quality().meanPsnr(), json.getAsJsonObject("mean").get("psnr").getAsDouble(), 0);
    assertEquals(worst.get(0).ssim(), json.getAsJsonObject("per_image").getAsJsonObject(worst.get(0).name())
        .get("ssim").getAsDouble(), 0);
    assertTrue(json.get("rfid").isJsonNull());
    assertEquals(3, json.get("checkpoint_step").getAsInt());
    assertEquals("decq eval recon", json.getAsJsonObject("provenance").get("command").getAsString());

    String page = ReconReport.toHtml(r, "tf", about, ckpt, provenance).render();
    SelfContainedHtml.assertSelfContained(page);
    assertTrue(page.contains(">" + HtmlReport.format(r.quality().meanPsnr()) + "<"), "mean PSNR in the page");
    assertTrue(page.contains(">" + HtmlReport.format(r.quality().meanSsim()) + "<"), "mean SSIM in the page");
    assertTrue(page.contains("Input | reconstruction (the 4 pairs with the lowest PSNR)"));
    assertTrue(page.indexOf(worst.get(0).name() + ": PSNR") < page.indexOf(worst.get(1).name() + ": PSNR"), "worst first");
    assertEquals(4, page.split("src=\"data:image/png;base64,", -1).length - 1);
    assertTrue(page.contains("Training curves") && page.contains("<polyline"), "the run's loss curves");
  }

  /**
   * rFID equals the Frechet distance of {@code decq eval stats} of the inputs and of the saved
   * reconstructions (the files path through ImageSource and the .npz). Two 2048-d distances: slow.
   */
  @Test
  @Tag("slow")
  void rfidEqualsTheDistanceOfTheStatisticsOfInputsAndSavedReconstructions() throws IOException {
    Path in = Files.createDirectories(tmp.resolve("in"));
    for (Path f : Images.list(VAL).subList(0, 3)) {
      Files.copy(f, in.resolve(f.getFileName()));
    }
    Path save = tmp.resolve("recon");
    ReconEvaluation.Result r;
    double fd;
    try (FidInception net = FidInception.fromStateDict(FidGoldenWeights.stateDict(), "golden FID-Inception", Device.cpu())) {
      r = ReconEvaluation.run(new Blur(), Images.list(in), new ReconEvaluation.Options(PsnrDefinition.UINT8,
          SsimDefinition.SKIMAGE, 2, save, net, FidPreprocess.TF, 4));
      GenerativeMetrics.writeStats(net, in, tmp.resolve("in.npz"), FidPreprocess.TF, 3);
      GenerativeMetrics.writeStats(net, save, tmp.resolve("recon.npz"), FidPreprocess.TF, 3);
      fd = GenerativeMetrics.frechetDistance(tmp.resolve("in.npz"), tmp.resolve("recon.npz"));
    }
    System.out.printf(Locale.ROOT, "rFID %.6f, eval stats + fd %.6f%n", r.rfid(), fd);
    assertTrue(fd > 0);
    assertEquals(fd, r.rfid(), 1e-4 * fd);
  }

  @Test
  void anImageOfTheWrongSizeFailsBeforeAnyReconstruction() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("mixed"));
    for (Path f : Images.list(VAL).subList(0, 2)) {
      Files.copy(f, dir.resolve(f.getFileName()));
    }
    Images.writePng(new RgbImage(256, 255, new byte[256 * 255 * 3]), dir.resolve("narrow.png"));
    Blur blur = new Blur();
    BadInputException e = assertThrows(BadInputException.class,
        () -> ReconEvaluation.run(blur, Images.list(dir), options(null, 8)));
    assertTrue(e.getMessage().contains("narrow.png: image is 255x256 but the autoencoder takes 256x256"), e.getMessage());
    assertEquals(0, blur.calls.get());
  }

  @Test
  void namesMustBeUniqueAndRfidNeedsTwoImages() throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));
    Path one = Images.list(VAL).get(0);
    Files.copy(one, a.resolve("x.png"));
    Files.copy(one, b.resolve("x.png"));
    BadInputException dup = assertThrows(BadInputException.class,
        () -> ReconEvaluation.checkImages(List.of(a.resolve("x.png"), b.resolve("x.png")), false, null));
    assertTrue(dup.getMessage().contains("share the name x"), dup.getMessage());
    BadInputException few = assertThrows(BadInputException.class,
        () -> ReconEvaluation.checkImages(List.of(a.resolve("x.png")), true, null));
    assertTrue(few.getMessage().contains("1 image; rFID (--inception)") && few.getMessage().contains("at least 2"),
        few.getMessage());
    assertEquals(List.of("x"), ReconEvaluation.checkImages(List.of(a.resolve("x.png")), false, null));
  }

  @Test
  void theSaveFolderMustNotBeTheInputFolder() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("in"));
    Files.copy(Images.list(VAL).get(0), dir.resolve("x.png"));
    Blur blur = new Blur();
    BadInputException e = assertThrows(BadInputException.class,
        () -> ReconEvaluation.run(blur, Images.list(dir), options(dir, 8)));
    assertTrue(e.getMessage().contains(dir + ": is the --images folder"), e.getMessage());
    assertEquals(0, blur.calls.get());
  }
}
