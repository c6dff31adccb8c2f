package io.decq.eval.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.SafeTensors;
import io.decq.core.run.Checkpoint;
import io.decq.eval.fid.FidGoldenWeights;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.fid.GenerativeMetrics;
import io.decq.eval.iq.ImageQuality;
import io.decq.eval.iq.PsnrDefinition;
import io.decq.eval.iq.SsimDefinition;
import io.decq.eval.report.HtmlReport;
import io.decq.eval.report.SelfContainedHtml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code decq eval recon} through the launcher on a checkpoint of a 3-step tiny stage-1 run: the scores
 * equal {@code eval iq}'s on the saved reconstructions, the page is self-contained with the numbers, the
 * worst pairs and the run's loss curves; rFID (slow) equals {@code eval stats} + {@code fd} of the inputs
 * and the saved reconstructions; bad input exits 2 with one line.
 */
class EvalReconCommandTest {
  static final Path VAL = TinyRun.VAL;
  @TempDir static Path tmp;
  static Path run;

  /** A 3-step tiny run on 2 training photos, logging every step (so the page has curves). */
  @BeforeAll
  static void train() throws IOException {
    run = TinyRun.train(tmp);
  }

  private static ReconstructCommandTest.Run decq(String... args) {
    return ReconstructCommandTest.decq(args);
  }

  @Test
  void scoresEqualEvalIqOnTheSavedReconstructionsAndThePageShowsThem() throws IOException {
    Path json = tmp.resolve("report/recon.json");
    Path html = tmp.resolve("report/recon.html");
    Path saved = tmp.resolve("saved");
    ReconstructCommandTest.Run r = decq("eval", "recon", "--ae", run.toString(), "--images", VAL.toString(), "--out",
        json.toString(), "--html", html.toString(), "--save-recon", saved.toString(), "--ssim", "gaussian", "--batch", "3",
        "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("rFID: n/a"), r.out());

    ImageQuality.Result iq = ImageQuality.evaluate(VAL, saved, PsnrDefinition.UINT8, SsimDefinition.GAUSSIAN, 2);
    JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    assertEquals("gaussian", o.get("ssim_definition").getAsString());
    assertEquals(Images.list(VAL).size(), o.get("count").getAsInt());
    for (ImageQuality.PairScore s : iq.perImage()) {
      JsonObject got = o.getAsJsonObject("per_image").getAsJsonObject(s.name());
      assertEquals(s.psnr(), got.get("psnr").getAsDouble(), 0, s.name());
      assertEquals(s.ssim(), got.get("ssim").getAsDouble(), 0, s.name());
    }
    assertEquals(iq.meanPsnr(), o.getAsJsonObject("mean").get("psnr").getAsDouble(), 1e-12);
    assertTrue(o.get("rfid").isJsonNull());
    assertEquals(3, o.get("checkpoint_step").getAsLong());
    assertEquals("ema", o.get("weights").getAsString());
    JsonObject provenance = o.getAsJsonObject("provenance");
    assertEquals("decq eval recon", provenance.get("command").getAsString());
    assertEquals(VAL.toAbsolutePath().normalize().toString(), provenance.getAsJsonObject("inputs").get("images").getAsString());

    String page = Files.readString(html);
    SelfContainedHtml.assertSelfContained(page);
    assertTrue(page.contains(">" + HtmlReport.format(iq.meanPsnr()) + "<"), "mean PSNR in the page");
    assertTrue(page.contains(">" + HtmlReport.format(iq.meanSsim()) + "<"), "mean SSIM in the page");
    String worst = iq.perImage().stream().min((a, b) -> Double.compare(a.psnr(), b.psnr())).orElseThrow().name();
    int pairs = page.indexOf("Input | reconstruction");
    int caption = page.indexOf("<figcaption>", pairs);
    assertTrue(pairs > 0 && page.startsWith("<figcaption>" + worst + ": PSNR", caption), "the worst pair comes first");
    assertEquals(6, page.split("src=\"data:image/png;base64,", -1).length - 1, "six input | reconstruction pairs");
    assertTrue(page.contains("Training curves") && page.contains("<polyline"), "the run's loss curves");
  }

  /**
   * rFID of 3 images equals the Frechet distance of {@code eval stats} of the inputs and of the saved
   * reconstructions (golden FID-Inception weights). Two 2048-d distances on 2 cores: slow.
   */
  @Test
  @Tag("slow")
  void rfidEqualsTheDistanceOfTheStatisticsOfInputsAndReconstructions() throws IOException {
    Path weights = tmp.resolve("fid_inception.safetensors");
    SafeTensors.write(weights, FidGoldenWeights.stateDict());
    Path three = Files.createDirectories(tmp.resolve("three"));
    for (Path f : Images.list(VAL).subList(0, 3)) {
      Files.copy(f, three.resolve(f.getFileName()));
    }
    Path json = tmp.resolve("rfid.json");
    Path saved = tmp.resolve("rfid-saved");
    ReconstructCommandTest.Run r = decq("eval", "recon", "--ae", run.toString(), "--images", three.toString(),
        "--inception", weights.toString(), "--out", json.toString(), "--save-recon", saved.toString(), "--device", "cpu");
    assertEquals(0, r.code(), r.err());
    JsonObject o = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    double rfid = o.get("rfid").getAsDouble();
    assertEquals("tf", o.get("rfid_preprocess").getAsString());
    double fd;
    try (FidInception net = FidInception.load(weights, Device.cpu())) {
      GenerativeMetrics.writeStats(net, three, tmp.resolve("in.npz"), FidPreprocess.TF, 3);
      GenerativeMetrics.writeStats(net, saved, tmp.resolve("out.npz"), FidPreprocess.TF, 3);
      fd = GenerativeMetrics.frechetDistance(tmp.resolve("in.npz"), tmp.resolve("out.npz"));
    }
    System.out.printf(Locale.ROOT, "eval recon rFID %.6f; eval stats + fd %.6f%n", rfid, fd);
    assertTrue(fd > 0);
    assertEquals(fd, rfid, 1e-4 * fd);
    assertTrue(r.out().contains(String.format(Locale.ROOT, "rFID: %.6f", rfid)), r.out());
  }

  @Test
  void badInputExitsTwoWithOneLine() throws IOException {
    // A checkpoint folder without its model weights.
    Path ckpt = Checkpoint.resolve(run, "--ae").dir();
    Path broken = Files.createDirectories(tmp.resolve("broken/checkpoints/step-0000003"));
    try (Stream<Path> files = Files.list(ckpt)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals(Checkpoint.MODEL)) {
          Files.copy(f, broken.resolve(f.getFileName()));
        }
      }
    }
    assertBad(decq("eval", "recon", "--ae", broken.toString(), "--images", VAL.toString()),
        "model.safetensors is missing");

    Path small = Files.createDirectories(tmp.resolve("small"));
    Files.copy(VAL.resolve("coffee_val.png"), small.resolve("coffee.png"));
    Images.writePng(new RgbImage(64, 64, new byte[64 * 64 * 3]), small.resolve("tiny.png"));
    assertBad(decq("eval", "recon", "--ae", run.toString(), "--images", small.toString()),
        "tiny.png: image is 64x64 but the autoencoder takes 256x256");

    Path one = Files.createDirectories(tmp.resolve("one"));
    Files.copy(VAL.resolve("coffee_val.png"), one.resolve("coffee.png"));
    assertBad(decq("eval", "recon", "--ae", run.toString(), "--images", one.toString(), "--inception",
        tmp.resolve("never-read.safetensors").toString()), "1 image; rFID (--inception) compares two covariances");

    assertBad(decq("eval", "recon", "--ae", run.toString(), "--images", one.toString(), "--save-recon", one.toString()),
        "is the --images folder");
    assertBad(decq("eval", "recon", "--ae", run.toString(), "--images", one.toString(), "--preprocess", "pil"),
        "--preprocess pil");
  }

  private static void assertBad(ReconstructCommandTest.Run r, String message) {
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(message), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
  }
}
