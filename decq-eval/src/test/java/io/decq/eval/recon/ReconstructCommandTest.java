package io.decq.eval.recon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.cli.Decq;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.eval.iq.ImageQuality;
import io.decq.eval.iq.PsnrDefinition;
import io.decq.eval.iq.SsimDefinition;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code decq reconstruct} through the launcher, on a checkpoint of a 3-step tiny stage-1 run: one PNG per
 * input under its name, the printed and written means equal PSNR/SSIM recomputed from the written files,
 * EMA and raw weights give different images, and bad input exits 2.
 */
class ReconstructCommandTest {
  static final Path VAL = TinyRun.VAL;
  @TempDir static Path tmp;
  static Path run;

  record Run(int code, String out, String err) {}

  static Run decq(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Decq.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return new Run(cl.execute(args), out.toString(), err.toString());
  }

  /** A 3-step tiny run on 2 training photos (enough for a checkpoint whose EMA and raw weights differ). */
  @BeforeAll
  static void train() throws IOException {
    run = TinyRun.train(tmp);
  }

  @Test
  void writesEveryReconstructionAndTheirScores() throws IOException {
    Path out = tmp.resolve("recon-ema");
    Run r = decq("reconstruct", "--checkpoint", run.toString(), "--images", VAL.toString(), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    List<Path> inputs = Images.list(VAL);
    for (Path in : inputs) {
      String name = in.getFileName().toString();
      RgbImage im = Images.read(out.resolve(name.substring(0, name.lastIndexOf('.')) + ".png"));
      assertEquals(256, im.height());
      assertEquals(256, im.width());
    }
    // The means, recomputed from the files on disk with the eval iq code, are what was printed and written.
    ImageQuality.Result again = ImageQuality.evaluate(VAL, out, PsnrDefinition.UINT8, SsimDefinition.SKIMAGE, 2);
    JsonObject summary = JsonParser.parseString(Files.readString(out.resolve(ReconstructCommand.SUMMARY))).getAsJsonObject();
    assertEquals(inputs.size(), summary.get("count").getAsInt());
    assertEquals(again.meanPsnr(), summary.getAsJsonObject("mean").get("psnr").getAsDouble(), 1e-12);
    assertEquals(again.meanSsim(), summary.getAsJsonObject("mean").get("ssim").getAsDouble(), 1e-12);
    assertEquals("skimage", summary.get("ssim_definition").getAsString());
    assertEquals("ema", summary.get("weights").getAsString());
    assertEquals(3, summary.get("checkpoint_step").getAsLong());
    String line = String.format(Locale.ROOT, "mean PSNR %.2f dB (uint8), mean SSIM %.4f (skimage) over %d images",
        again.meanPsnr(), again.meanSsim(), inputs.size());
    assertTrue(r.out().contains(line), r.out());
    assertTrue(again.meanPsnr() > 5 && again.meanPsnr() < 40, "PSNR " + again.meanPsnr());
  }

  @Test
  void rawAndEmaWeightsDiffer() throws IOException {
    Path ema = tmp.resolve("ema");
    Path raw = tmp.resolve("raw");
    Path one = VAL.resolve("coffee_val.png");
    assertEquals(0, decq("reconstruct", "--checkpoint", run.toString(), "--images", one.toString(), "--out", ema.toString(),
        "--ema").code());
    Run r = decq("reconstruct", "--checkpoint", run.toString(), "--images", one.toString(), "--out", raw.toString(), "--raw");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("raw weights"), r.out());
    assertFalse(Arrays.equals(Files.readAllBytes(ema.resolve("coffee_val.png")), Files.readAllBytes(raw.resolve("coffee_val.png"))));
    assertEquals(2, decq("reconstruct", "--checkpoint", run.toString(), "--images", one.toString(), "--out",
        raw.toString(), "--raw", "--ema").code(), "--ema and --raw exclude each other");
  }

  @Test
  void badInputExitsTwo() throws IOException {
    Run noCheckpoint = decq("reconstruct", "--checkpoint", tmp.resolve("nothing").toString(), "--images", VAL.toString(),
        "--out", tmp.resolve("x").toString());
    assertEquals(2, noCheckpoint.code());
    assertTrue(noCheckpoint.err().contains("--checkpoint " + tmp.resolve("nothing") + ": not found"), noCheckpoint.err());

    Path small = Files.createDirectories(tmp.resolve("small"));
    Images.writePng(new RgbImage(64, 64, new byte[64 * 64 * 3]), small.resolve("tiny.png"));
    Run wrongSize = decq("reconstruct", "--checkpoint", run.toString(), "--images", small.toString(), "--out",
        tmp.resolve("y").toString());
    assertEquals(2, wrongSize.code());
    assertTrue(wrongSize.err().contains("tiny.png: image is 64x64 but the autoencoder takes 256x256"), wrongSize.err());

    Run sameFolder = decq("reconstruct", "--checkpoint", run.toString(), "--images", small.toString(), "--out",
        small.toString());
    assertEquals(2, sameFolder.code());
    assertTrue(sameFolder.err().contains("is the --images folder"), sameFolder.err());
  }
}
