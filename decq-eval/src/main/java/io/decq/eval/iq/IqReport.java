package io.decq.eval.iq;

import com.google.gson.JsonObject;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.eval.report.HtmlReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The JSON, HTML and console forms of an image-quality {@link ImageQuality.Result}. */
public final class IqReport {
  /** The HTML table lists every pair up to this many, else only this many with the lowest PSNR. */
  static final int MAX_TABLE_ROWS = 200;
  /** How many reference | candidate pairs the HTML page shows (those with the lowest PSNR). */
  public static final int SHOWN_PAIRS = 6;
  /** The console lists every pair up to this many, else only the summary and the lowest-PSNR pairs. */
  static final int MAX_CONSOLE_ROWS = 30;

  /** Lowest PSNR first, ties by name. */
  public static final Comparator<ImageQuality.PairScore> WORST_FIRST =
      Comparator.comparingDouble(ImageQuality.PairScore::psnr).thenComparing(ImageQuality.PairScore::name);

  private IqReport() {}

  /**
   * {@code {"ssim_definition", "psnr_definition", "count", "per_image": {NAME: {"psnr", "ssim"}},
   * "mean": {"psnr", "ssim"}, "provenance"}}.
   */
  public static JsonObject toJson(ImageQuality.Result result, JsonObject provenance) {
    JsonObject json = new JsonObject();
    json.addProperty("ssim_definition", result.ssimDefinition().cliName());
    json.addProperty("psnr_definition", result.psnrDefinition().cliName());
    json.addProperty("count", result.perImage().size());
    JsonObject perImage = new JsonObject();
    for (ImageQuality.PairScore s : result.perImage()) {
      perImage.add(s.name(), scores(s.psnr(), s.ssim()));
    }
    json.add("per_image", perImage);
    json.add("mean", scores(result.meanPsnr(), result.meanSsim()));
    json.add("provenance", provenance);
    return json;
  }

  private static JsonObject scores(double psnr, double ssim) {
    JsonObject o = new JsonObject();
    o.addProperty("psnr", psnr);
    o.addProperty("ssim", ssim);
    return o;
  }

  /** A short table for the terminal: every pair (or the worst few of many) and the means. */
  public static String table(ImageQuality.Result result) {
    List<ImageQuality.PairScore> rows = result.perImage();
    String note = "";
    if (rows.size() > MAX_CONSOLE_ROWS) {
      rows = worst(rows, 5);
      note = "(the 5 pairs with the lowest PSNR of " + result.perImage().size() + "; all are in the JSON report)\n";
    }
    int width = Math.max(5, rows.stream().mapToInt(s -> s.name().length()).max().orElse(0));
    StringBuilder b = new StringBuilder(note);
    String fmt = "%-" + width + "s  %9s  %8s%n";
    b.append(String.format(Locale.ROOT, fmt, "image", "PSNR (dB)", "SSIM"));
    for (ImageQuality.PairScore s : rows) {
      b.append(String.format(Locale.ROOT, fmt, s.name(), number(s.psnr(), 4), number(s.ssim(), 6)));
    }
    b.append(String.format(Locale.ROOT, fmt, "mean", number(result.meanPsnr(), 4), number(result.meanSsim(), 6)));
    b.append(String.format(Locale.ROOT, "%d pairs; PSNR %s, SSIM %s%n", result.perImage().size(),
        result.psnrDefinition().cliName(), result.ssimDefinition().cliName()));
    return b.toString();
  }

  private static String number(double v, int decimals) {
    return Double.isInfinite(v) ? "inf" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /**
   * The HTML page: means, the per-image table and reference | candidate images of the pairs with the
   * lowest PSNR.
   *
   * @param pairs the evaluated pairs (same names as the result), to show images from
   */
  public static HtmlReport toHtml(ImageQuality.Result result, List<ImageQuality.ImagePair> pairs, JsonObject provenance) {
    HtmlReport html = new HtmlReport("Image quality: PSNR and SSIM");
    html.text(String.format(Locale.ROOT, "%d image pairs. PSNR: %s. SSIM: %s.", result.perImage().size(),
        psnrText(result.psnrDefinition()), ssimText(result.ssimDefinition())));
    scoreTables(html, result, Map.of());
    Map<String, ImageQuality.ImagePair> byName = pairs.stream()
        .collect(Collectors.toMap(ImageQuality.ImagePair::name, p -> p));
    List<ShownPair> shown = new ArrayList<>();
    for (ImageQuality.PairScore s : worst(result.perImage(), SHOWN_PAIRS)) {
      ImageQuality.ImagePair p = byName.get(s.name());
      shown.add(new ShownPair(s, Images.read(p.reference()), Images.read(p.candidate())));
    }
    pairs(html, shown, "reference", "candidate");
    return html.provenance(provenance);
  }

  /** A pair to show side by side with its scores. */
  public record ShownPair(ImageQuality.PairScore score, RgbImage left, RgbImage right) {}

  /**
   * Adds the summary table (means, pair count, then {@code extra} rows) and the per-image table (every
   * pair, or the {@link #MAX_TABLE_ROWS} with the lowest PSNR) to {@code html}.
   */
  public static void scoreTables(HtmlReport html, ImageQuality.Result result, Map<String, ?> extra) {
    Map<String, Object> means = new LinkedHashMap<>();
    means.put("PSNR (dB), mean", result.meanPsnr());
    means.put("SSIM (" + result.ssimDefinition().cliName() + "), mean", result.meanSsim());
    means.put("pairs", result.perImage().size());
    means.putAll(extra);
    html.metrics("Summary", means);
    List<ImageQuality.PairScore> rows = result.perImage();
    String caption = "Per image";
    if (rows.size() > MAX_TABLE_ROWS) {
      rows = worst(rows, MAX_TABLE_ROWS);
      caption = "The " + MAX_TABLE_ROWS + " pairs with the lowest PSNR (all " + result.perImage().size() + " are in the JSON report)";
    }
    List<List<?>> table = new ArrayList<>();
    for (ImageQuality.PairScore s : rows) {
      table.add(List.of(s.name(), s.psnr(), s.ssim()));
    }
    html.table(caption, List.of("image", "PSNR (dB)", "SSIM"), table);
  }

  /** Adds a section of {@code left | right} images, one figure per pair, in the given order (worst first). */
  public static void pairs(HtmlReport html, List<ShownPair> shown, String left, String right) {
    html.section(capitalize(left) + " | " + right + " (the " + shown.size() + " pairs with the lowest PSNR)");
    html.text("Left: the " + left + "; right: the " + right + ".");
    for (ShownPair p : shown) {
      RgbImage grid = Images.grid(List.of(p.left(), p.right()), 2, 4);
      html.image(String.format(Locale.ROOT, "%s: PSNR %s dB, SSIM %s", p.score().name(), HtmlReport.format(p.score().psnr()),
          HtmlReport.format(p.score().ssim())), grid);
    }
  }

  private static String capitalize(String s) {
    return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  /** The {@code n} scores with the lowest PSNR, lowest first (ties by name). */
  public static List<ImageQuality.PairScore> worst(List<ImageQuality.PairScore> scores, int n) {
    return scores.stream().sorted(WORST_FIRST).limit(n).toList();
  }

  /** What a PSNR definition computes, in words. */
  public static String psnrText(PsnrDefinition d) {
    return switch (d) {
      case UINT8 -> "uint8 RGB, data range 255, MSE over all values per image, averaged over images (scikit-image)";
      case RAE -> "RAE ref_iqa: float32 images in [0, 1], 20 log10(1 / sqrt(max(MSE, 1e-10))), averaged over images";
    };
  }

  /** What an SSIM definition computes, in words. */
  public static String ssimText(SsimDefinition d) {
    return switch (d) {
      case SKIMAGE -> "skimage (7x7 uniform window, sample covariance, 3-px border cropped, mean of R, G, B)";
      case GAUSSIAN -> "gaussian (Wang et al.: 11-tap Gaussian sigma 1.5, population covariance, 5-px border cropped)";
      case TORCHMETRICS -> "torchmetrics >= 1.5 (11-tap Gaussian sigma 1.5 on [0, 1], reflect padding, full map; as RAE reports)";
    };
  }
}
