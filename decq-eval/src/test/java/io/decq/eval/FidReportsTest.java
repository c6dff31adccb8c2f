package io.decq.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.HostTensor;
import io.decq.core.io.Npz;
import io.decq.core.io.SafeTensors;
import io.decq.core.util.Provenance;
import io.decq.eval.fid.FidGoldenWeights;
import io.decq.eval.fid.FidReports;
import io.decq.eval.fid.FidStats;
import io.decq.eval.fid.GenerativeMetrics;
import io.decq.eval.fid.KernelInceptionDistance;
import io.decq.eval.report.HtmlReport;
import io.decq.eval.report.JsonReport;
import io.decq.eval.report.SelfContainedHtml;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON and HTML reports of {@code decq eval stats}, {@code fd} and {@code gen} through the launcher:
 * JSON keeps its keys and adds the provenance, each page is self-contained and shows the numbers of the
 * JSON and (stats, gen) a grid of the first images.
 */
class FidReportsTest {
  @TempDir static Path dir;
  private static Path weights;
  private static Path threeImages;
  private static Path tenCrops;
  private static final Path GOLDEN = FidGoldenWeights.goldenDir();

  @BeforeAll
  static void setUp() throws IOException {
    weights = dir.resolve("fid_inception.safetensors");
    SafeTensors.write(weights, FidGoldenWeights.stateDict());
    // An ADM batch of the three 256x256 golden images, and ten 128x128 crops of them in a folder.
    byte[] rgb = new byte[3 * 256 * 256 * 3];
    tenCrops = Files.createDirectories(dir.resolve("crops"));
    for (int i = 0; i < 3; i++) {
      RgbImage im = Images.read(GOLDEN.resolve("fid_input" + i + ".png"));
      System.arraycopy(im.rgb(), 0, rgb, i * im.rgb().length, im.rgb().length);
      for (int q = 0; q < 4 && 4 * i + q < 10; q++) {
        Images.writePng(crop(im, (q / 2) * 128, (q % 2) * 128, 128), tenCrops.resolve("img" + i + "_" + q + ".png"));
      }
    }
    threeImages = dir.resolve("three.npz");
    Map<String, HostTensor> batch = new LinkedHashMap<>();
    batch.put("arr_0", HostTensor.ofBytes(new long[] {3, 256, 256, 3}, rgb));
    Npz.write(threeImages, batch);
  }

  private static RgbImage crop(RgbImage im, int top, int left, int size) {
    byte[] rgb = new byte[size * size * 3];
    for (int y = 0; y < size; y++) {
      System.arraycopy(im.rgb(), ((top + y) * im.width() + left) * 3, rgb, y * size * 3, size * 3);
    }
    return new RgbImage(size, size, rgb);
  }

  @Test
  void statsWritesJsonWithProvenanceAndASelfContainedPage() throws IOException {
    Path stats = dir.resolve("three_stats.npz");
    Path statsJson = dir.resolve("stats.json");
    Path statsHtml = dir.resolve("stats.html");
    FidCommandsTest.Run s = FidCommandsTest.decq("eval", "stats", "--inception", weights.toString(), "--images",
        threeImages.toString(), "--out", stats.toString(), "--json", statsJson.toString(), "--html", statsHtml.toString(),
        "--device", "cpu");
    assertEquals(0, s.code(), s.err());
    JsonObject sj = read(statsJson);
    assertEquals(3, sj.get("images").getAsInt());
    assertEquals("tf", sj.get("preprocess").getAsString());
    FidStats pool = FidStats.read(stats, FidStats.MU, FidStats.SIGMA);
    double trace = 0;
    for (int i = 0; i < pool.dim(); i++) {
      trace += pool.sigma()[i * pool.dim() + i];
    }
    assertEquals(trace, sj.get("trace_sigma").getAsDouble(), 1e-9 * trace, "the summary describes the file written");
    assertProvenance(sj, "decq eval stats", "images", threeImages);
    String statsPage = Files.readString(statsHtml);
    SelfContainedHtml.assertSelfContained(statsPage);
    assertTrue(statsPage.contains(">" + HtmlReport.format(trace) + "<"), "tr sigma in the page");
    assertTrue(statsPage.contains("decq eval stats"), "provenance in the page");
    assertGrid(statsPage, 3, 1, 256);
  }

  /**
   * The page and JSON of {@code decq eval gen} from a report (the command end to end, with its Frechet
   * distances of 2048-d, is in the slow {@link GenCommandTest}).
   */
  @Test
  void genReportKeepsItsKeysAndShowsTheNumbersAndTheFirstSamples() throws IOException {
    GenerativeMetrics.Report r = new GenerativeMetrics.Report(12.345678, 23.456789, 3.217, 0.25, null, null,
        new KernelInceptionDistance.Result(0.00123456789, 0.000456, 100, 10, 2020), 10, 0, "file", "tf", 1.5);
    JsonObject provenance = Provenance.of("eval gen", Map.of("samples", tenCrops.toString()));
    JsonObject gj = r.toJson(tenCrops, threeImages, weights, provenance);
    for (String key : new String[] {"fid", "sfid", "inception_score", "inception_score_std", "precision", "recall",
        "kid_mean", "kid_std", "kid_subsets", "kid_subset_size", "kid_seed",
        "num_samples", "num_reference_images", "reference_statistics", "preprocess", "samples", "reference",
        "inception_weights", "samples_per_second", "provenance"}) {
      assertTrue(gj.has(key), key + " in " + gj);
    }
    Path json = dir.resolve("gen.json");
    JsonReport.write(json, gj);
    assertTrue(read(json).get("precision").isJsonNull(), "not computed: null, not absent");
    Path html = dir.resolve("gen.html");
    FidReports.genHtml(r, tenCrops, threeImages, provenance).write(html);
    String page = Files.readString(html);
    SelfContainedHtml.assertSelfContained(page);
    assertEquals(0.00123456789, gj.get("kid_mean").getAsDouble(), 0);
    assertEquals(10, gj.get("kid_subset_size").getAsInt());
    for (String number : new String[] {"12.3457", "23.4568", "3.21700", "0.00123457", "0.000456000"}) {
      assertTrue(page.contains(">" + number + "<"), number + " in the page");
    }
    assertTrue(page.contains("decq eval gen"), "provenance in the page");
    assertGrid(page, FidReports.GRID_COLUMNS, 2, 128);
  }

  @Test
  void fdWritesJsonWithProvenanceAndAPageWithTheGoldenDistance() throws IOException {
    Path json = dir.resolve("fd64.json");
    Path html = dir.resolve("fd64.html");
    Path a = GOLDEN.resolve("fid64_set1.npz");
    FidCommandsTest.Run r = FidCommandsTest.decq("eval", "fd", a.toString(), GOLDEN.resolve("fid64_set2.npz").toString(),
        "--out", json.toString(), "--html", html.toString());
    assertEquals(0, r.code(), r.err());
    JsonObject o = read(json);
    assertEquals(89.31016060327394, o.get("fid").getAsDouble(), 1e-7); // golden README section 4, pytorch-fid / scipy
    assertEquals(o.get("fid").getAsDouble(), Double.parseDouble(r.out().trim()), 0, "fd prints just the number");
    assertProvenance(o, "decq eval fd", "a", a);
    String page = Files.readString(html);
    SelfContainedHtml.assertSelfContained(page);
    assertTrue(page.contains(">89.3102<"), "golden README section 4: 89.31016060327394");
    assertTrue(page.contains("fid64_set1.npz") && page.contains("fid64_set2.npz"));
  }

  private static JsonObject read(Path json) throws IOException {
    return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
  }

  private static void assertProvenance(JsonObject report, String command, String input, Path expected) {
    JsonObject p = report.getAsJsonObject("provenance");
    assertEquals(command, p.get("command").getAsString());
    assertEquals(expected.toAbsolutePath().normalize().toString(), p.getAsJsonObject("inputs").get(input).getAsString());
    assertTrue(p.has("git_commit") && p.getAsJsonObject("versions").has("djl"), p.toString());
  }

  /** The page holds one image: a grid of {@code cols} x {@code rows} images of side {@code side}. */
  private static void assertGrid(String page, int cols, int rows, int side) throws IOException {
    Matcher m = Pattern.compile("src=\"data:image/png;base64,([^\"]+)\"").matcher(page);
    assertTrue(m.find(), "an embedded image");
    RgbImage grid = Images.fromBuffered(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1)))));
    assertEquals(cols * (side + 2) + 2, grid.width());
    assertEquals(rows * (side + 2) + 2, grid.height());
    assertTrue(!m.find(), "one image");
  }
}
