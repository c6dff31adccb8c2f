package io.decq.eval.iq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.cli.Decq;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.eval.report.SelfContainedHtml;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code decq eval iq} end to end through the launcher, on golden photo pairs and on bad input. */
class IqCommandTest {
  private static final Path GOLDEN = Path.of(System.getProperty("decq.golden.dir", "../src-test-data/golden"));
  private static final String[] DISTORTIONS = {"jpeg30", "blur"};

  @TempDir Path tmp;
  Path ref;
  Path cand;

  /** ref/ and cand/ with four golden pairs named {@code photoI_D.png} (references of iqa_expected.json). */
  @BeforeEach
  void folders() throws IOException {
    ref = Files.createDirectories(tmp.resolve("ref"));
    cand = Files.createDirectories(tmp.resolve("cand"));
    for (int i = 0; i < 2; i++) {
      for (String d : DISTORTIONS) {
        Files.copy(GOLDEN.resolve("iqa_ref" + i + ".png"), ref.resolve("photo" + i + "_" + d + ".png"));
        Files.copy(GOLDEN.resolve("iqa_ref" + i + "_" + d + ".png"), cand.resolve("photo" + i + "_" + d + ".png"));
      }
    }
  }

  record Run(int code, String out, String err) {}

  private static Run decq(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    picocli.CommandLine cl = Decq.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private static JsonObject expectedPair(String reference, String distorted) throws IOException {
    JsonObject all = JsonParser.parseString(Files.readString(GOLDEN.resolve("iqa_expected.json"))).getAsJsonObject();
    for (var e : all.getAsJsonArray("pairs")) {
      JsonObject p = e.getAsJsonObject();
      if (p.get("reference_png").getAsString().equals(reference) && p.get("distorted_png").getAsString().equals(distorted)) {
        return p;
      }
    }
    throw new AssertionError("no golden pair " + reference + " / " + distorted);
  }

  @Test
  void writesJsonWithGoldenValuesAndSelfContainedHtml() throws IOException {
    Path json = tmp.resolve("out/report.json");
    Path html = tmp.resolve("out/report.html");
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString(), "--ssim", "torchmetrics",
        "--out", json.toString(), "--html", html.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("photo1_blur") && r.out().contains("mean"), r.out());

    JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    assertEquals("torchmetrics", report.get("ssim_definition").getAsString());
    JsonObject perImage = report.getAsJsonObject("per_image");
    assertEquals(4, perImage.size());
    double psnrSum = 0;
    double ssimSum = 0;
    for (int i = 0; i < 2; i++) {
      for (String d : DISTORTIONS) {
        JsonObject want = expectedPair("iqa_ref" + i + ".png", "iqa_ref" + i + "_" + d + ".png");
        JsonObject got = perImage.getAsJsonObject("photo" + i + "_" + d);
        assertEquals(want.get("psnr_skimage_uint8_range255").getAsDouble(), got.get("psnr").getAsDouble(), 1e-6);
        assertEquals(want.get("ssim_torchmetrics_float01_range1").getAsDouble(), got.get("ssim").getAsDouble(), 1e-4);
        psnrSum += want.get("psnr_skimage_uint8_range255").getAsDouble();
        ssimSum += want.get("ssim_torchmetrics_float01_range1").getAsDouble();
      }
    }
    JsonObject mean = report.getAsJsonObject("mean");
    assertEquals(psnrSum / 4, mean.get("psnr").getAsDouble(), 1e-6);
    assertEquals(ssimSum / 4, mean.get("ssim").getAsDouble(), 1e-4);
    JsonObject provenance = report.getAsJsonObject("provenance");
    assertEquals("decq eval iq", provenance.get("command").getAsString());
    assertEquals(ref.toAbsolutePath().normalize().toString(),
        provenance.getAsJsonObject("inputs").get("reference").getAsString());
    assertTrue(provenance.getAsJsonObject("versions").has("java"));

    String page = Files.readString(html);
    SelfContainedHtml.assertSelfContained(page);
    assertTrue(page.contains(String.format(Locale.ROOT, "%.6g", mean.get("psnr").getAsDouble())), "mean PSNR in the page");
    assertTrue(page.contains(String.format(Locale.ROOT, "%.6g", mean.get("ssim").getAsDouble())), "mean SSIM in the page");
    assertTrue(page.contains(String.format(Locale.ROOT, "%.6g", perImage.getAsJsonObject("photo0_jpeg30").get("psnr").getAsDouble())));
    assertTrue(page.contains("torchmetrics"), "the page names the SSIM definition");
    assertEquals(4, count(page, "src=\"data:image/png;base64,"), "one reference | candidate image per pair");
  }

  private static int count(String s, String sub) {
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void pairsByNameIgnoringTheExtension() throws IOException {
    Files.move(cand.resolve("photo0_blur.png"), cand.resolve("photo0_blur.PNG"));
    List<ImageQuality.ImagePair> pairs = ImageQuality.pair(ref, cand);
    assertEquals(4, pairs.size());
    assertEquals(cand.resolve("photo0_blur.PNG"), pairs.get(0).candidate());
  }

  @Test
  void missingCandidatesAreNamed() throws IOException {
    Files.delete(cand.resolve("photo1_blur.png"));
    Files.delete(cand.resolve("photo0_jpeg30.png"));
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no image for 2 reference image(s): photo0_jpeg30, photo1_blur"), r.err());
    assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    assertEquals(2, Decq.run("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString()));
  }

  @Test
  void candidatesWithoutReferenceAreNamed() throws IOException {
    Files.copy(cand.resolve("photo1_blur.png"), cand.resolve("extra.png"));
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("no image for 1 candidate image(s): extra"), r.err());
  }

  @Test
  void mismatchedSizesNameTheFileAndBothSizes() {
    Images.writePng(new RgbImage(100, 120, new byte[100 * 120 * 3]), cand.resolve("photo1_jpeg30.png"));
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains(cand.resolve("photo1_jpeg30.png") + " is 120x100 (WxH)"), r.err());
    assertTrue(r.err().contains("is 256x256 (WxH)"), r.err());
  }

  @Test
  void emptyFolderIsBadInput() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(empty.resolve("notes.txt"), "not an image");
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", empty.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--candidate " + empty + ": holds no images"), r.err());
  }

  @Test
  void missingFolderIsBadInput() {
    Run r = decq("eval", "iq", "--reference", tmp.resolve("nope").toString(), "--candidate", cand.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--reference " + tmp.resolve("nope") + ": not a folder"), r.err());
  }

  @Test
  void unreadableImageIsBadInput() throws IOException {
    Files.writeString(cand.resolve("photo0_blur.png"), "this is not a PNG");
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains(cand.resolve("photo0_blur.png").toString()), r.err());
  }

  @Test
  void twoImagesWithOneNameAreBadInput() throws IOException {
    Files.copy(ref.resolve("photo0_blur.png"), ref.resolve("photo0_blur.jpg"));
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("two images named photo0_blur"), r.err());
  }

  @Test
  void imagesSmallerThanTheWindowAreBadInput() throws IOException {
    Path smallRef = Files.createDirectories(tmp.resolve("small-ref"));
    Path smallCand = Files.createDirectories(tmp.resolve("small-cand"));
    Images.writePng(new RgbImage(6, 40, new byte[6 * 40 * 3]), smallRef.resolve("a.png"));
    Images.writePng(new RgbImage(6, 40, new byte[6 * 40 * 3]), smallCand.resolve("a.png"));
    Run r = decq("eval", "iq", "--reference", smallRef.toString(), "--candidate", smallCand.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("needs at least 7 pixels on each side"), r.err());
    Run tm = decq("eval", "iq", "--reference", smallRef.toString(), "--candidate", smallCand.toString(), "--ssim", "torchmetrics");
    assertEquals(0, tm.code(), tm.err());
  }

  @Test
  void unknownSsimDefinitionIsAUsageError() {
    Run r = decq("eval", "iq", "--reference", ref.toString(), "--candidate", cand.toString(), "--ssim", "wang");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("expected skimage, gaussian or torchmetrics"), r.err());
  }

  @Test
  void evalGroupListsIq() {
    Run r = decq("eval");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("iq"), r.out());
    List<String> names = new ArrayList<>(Decq.commandLine().getSubcommands().get("eval").getSubcommands().keySet());
    assertTrue(names.contains("iq"), names.toString());
  }
}
