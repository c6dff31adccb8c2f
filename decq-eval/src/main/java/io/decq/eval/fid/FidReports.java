package io.decq.eval.fid;

import com.google.gson.JsonObject;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.DType;
import io.decq.core.io.Npz;
import io.decq.eval.report.HtmlReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON and HTML reports of {@code decq eval stats}, {@code fd} and {@code gen}. Every JSON report
 * carries the command's provenance under {@code provenance}; every page shows the metrics, the images
 * where there are any (the first {@link #GRID_COLUMNS} x {@link #GRID_ROWS}) and the provenance.
 */
public final class FidReports {
  /** Columns of the grid of first images on a page. */
  public static final int GRID_COLUMNS = 8;
  /** Rows of the grid of first images on a page. */
  public static final int GRID_ROWS = 4;
  private static final int GRID_PAD = 2;
  /** Classes shown in the per-class grid at most. */
  static final int CLASS_ROWS = 16;
  /** Samples read at most to fill the per-class grid. */
  static final int CLASS_SCAN = 4096;

  private FidReports() {}

  /**
   * {@code {"stats", "images", "preprocess", "pool_dim", "spatial_dim", "trace_sigma", "norm_mu",
   * "trace_sigma_s", "images_per_second", "provenance"}}: what a statistics file holds (the arrays stay in
   * the {@code .npz}).
   */
  public static JsonObject statsJson(GenerativeMetrics.StatsSummary s, String preprocess, JsonObject provenance) {
    JsonObject o = new JsonObject();
    o.addProperty("stats", s.out().toAbsolutePath().normalize().toString());
    o.addProperty("images", s.images());
    o.addProperty("preprocess", preprocess);
    o.addProperty("pool_dim", s.pool().dim());
    o.addProperty("spatial_dim", s.spatial().dim());
    o.addProperty("trace_sigma", trace(s.pool()));
    o.addProperty("norm_mu", norm(s.pool()));
    o.addProperty("trace_sigma_s", trace(s.spatial()));
    o.addProperty("images_per_second", s.imagesPerSecond());
    o.add("provenance", provenance);
    return o;
  }

  /** The page of {@code decq eval stats}: a summary of the statistics and the first images. */
  public static HtmlReport statsHtml(GenerativeMetrics.StatsSummary s, Path images, String preprocess, JsonObject provenance) {
    HtmlReport html = new HtmlReport("FID statistics");
    html.text(String.format(Locale.ROOT, "%d images of %s (preprocess %s) -> %s: mu, sigma (%d-d pool3), mu_s, sigma_s "
        + "(%d-d spatial), float64, as the ADM evaluator's reference batches.", s.images(), images, preprocess, s.out(),
        s.pool().dim(), s.spatial().dim()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("images", s.images());
    m.put("preprocess", preprocess);
    m.put("tr sigma (pool3)", trace(s.pool()));
    m.put("|mu| (pool3)", norm(s.pool()));
    m.put("tr sigma_s (spatial)", trace(s.spatial()));
    m.put("images / s", s.imagesPerSecond());
    html.metrics("Statistics", m);
    firstImages(html, "Images", images);
    return html.provenance(provenance);
  }

  /** {@code {"fid": x, "provenance": {...}}}. */
  public static JsonObject fdJson(double fid, JsonObject provenance) {
    JsonObject o = new JsonObject();
    o.addProperty("fid", fid);
    o.add("provenance", provenance);
    return o;
  }

  /** The page of {@code decq eval fd}. */
  public static HtmlReport fdHtml(double fid, Path a, Path b, JsonObject provenance) {
    HtmlReport html = new HtmlReport("Frechet distance");
    html.text("Frechet distance between the mu / sigma of " + a + " and of " + b
        + " (|mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2); pytorch-fid and the ADM evaluator's value).");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("FID", fid);
    m.put("A", a.toString());
    m.put("B", b.toString());
    html.metrics("Distance", m);
    return html.provenance(provenance);
  }

  /** The page of {@code decq eval gen}: the metrics and the first samples. */
  public static HtmlReport genHtml(GenerativeMetrics.Report r, Path samples, Path reference, JsonObject provenance) {
    HtmlReport html = new HtmlReport("Generation metrics");
    html.text(String.format(Locale.ROOT, "%d samples of %s against %s (reference statistics %s), preprocess %s; as the "
        + "ADM evaluator: FID and sFID are Frechet distances of pool3 and spatial Inception features, IS over %d "
        + "splits, precision / recall by k-NN manifolds (k = %d). KID as torch-fidelity: unbiased MMD^2 of pool3 "
        + "features under the kernel (x.y / d + 1)^3, mean and std over random subsets (float64; subsets drawn by "
        + "this program's seeded generator, not numpy's, so only whole-set subsets reproduce torch-fidelity "
        + "exactly).", r.numSamples(), samples, reference, r.referenceStatistics(), r.preprocess(),
        InceptionScore.DEFAULT_SPLITS, PrecisionRecall.NEIGHBOURS));
    String weights = provenance.getAsJsonObject("inputs").has("inception")
        ? provenance.getAsJsonObject("inputs").get("inception").getAsString() : "";
    if (weights.startsWith("random")) {
      html.text("These numbers come from a RANDOM-WEIGHT FID-Inception (" + weights.split(" ")[0] + "): they show that the pipeline"
          + " runs and are repeatable, but say nothing about image quality. Pass --inception with pytorch-fid's"
          + " pt_inception-2015-12-05 weights for real FID / KID.");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("FID", r.fid());
    m.put("sFID", r.sfid() == null ? "n/a" : r.sfid());
    m.put("Inception Score", r.inceptionScore());
    m.put("Inception Score std", r.inceptionScoreStd());
    m.put("precision", r.precision() == null ? "n/a" : r.precision());
    m.put("recall", r.recall() == null ? "n/a" : r.recall());
    m.put("KID", r.kid() == null ? "n/a" : r.kid().mean());
    m.put("KID std", r.kid() == null ? "n/a" : r.kid().std());
    m.put("KID subsets", r.kid() == null ? "n/a" : r.kid().subsets() + " of " + r.kid().subsetSize());
    m.put("samples", r.numSamples());
    m.put("reference images", r.numReferenceImages());
    m.put("samples / s", r.samplesPerSecond());
    html.metrics("Metrics", m);
    if (!classGrid(html, samples)) {
      firstImages(html, "Samples", samples);
    }
    return html.provenance(provenance);
  }

  /** A section with the first {@link #GRID_COLUMNS} x {@link #GRID_ROWS} images of a folder or an {@code .npz} batch. */
  static void firstImages(HtmlReport html, String heading, Path images) {
    List<RgbImage> first;
    try (ImageSource source = ImageSource.open(images)) {
      first = source.next(GRID_COLUMNS * GRID_ROWS);
    }
    if (first.isEmpty()) {
      return;
    }
    html.section(heading);
    html.image(String.format(Locale.ROOT, "the first %d images of %s", first.size(), images),
        Images.grid(first, Math.min(GRID_COLUMNS, first.size()), GRID_PAD));
  }

  /**
   * One row of up to {@link #GRID_COLUMNS} samples per class (at most {@value #CLASS_ROWS} classes, from the
   * first {@value #CLASS_SCAN} images) when {@code samples} is an ADM batch with labels ({@code arr_1});
   * returns whether it drew one.
   */
  static boolean classGrid(HtmlReport html, Path samples) {
    if (!samples.toString().endsWith(".npz")) {
      return false;
    }
    long[] labels;
    try (Npz.Member m = Npz.stream(samples, "arr_1")) {
      if (m.header().dtype() != DType.I64 || m.header().shape().length != 1) {
        return false;
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(m.data().readAllBytes()).order(m.header().byteOrder());
      labels = new long[(int) m.header().numel()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = b.getLong();
      }
    } catch (BadInputException | IOException e) {
      return false;
    }
    java.util.TreeMap<Long, List<RgbImage>> byClass = new java.util.TreeMap<>();
    try (ImageSource source = ImageSource.open(samples)) {
      int seen = 0;
      while (seen < Math.min(CLASS_SCAN, labels.length)) {
        List<RgbImage> chunk = source.next(64);
        if (chunk.isEmpty()) {
          break;
        }
        for (RgbImage im : chunk) {
          long label = labels[seen++];
          List<RgbImage> row = byClass.get(label);
          if (row == null && byClass.size() < CLASS_ROWS) {
            row = new ArrayList<>();
            byClass.put(label, row);
          }
          if (row != null && row.size() < GRID_COLUMNS) {
            row.add(im);
          }
        }
      }
    }
    List<RgbImage> grid = new ArrayList<>();
    List<Long> shown = new ArrayList<>();
    int cols = 0;
    for (List<RgbImage> row : byClass.values()) {
      cols = Math.max(cols, row.size());
    }
    RgbImage blank = null;
    for (Map.Entry<Long, List<RgbImage>> e : byClass.entrySet()) {
      shown.add(e.getKey());
      for (int i = 0; i < cols; i++) {
        if (i < e.getValue().size()) {
          grid.add(e.getValue().get(i));
        } else {
          RgbImage first = e.getValue().get(0);
          if (blank == null) {
            byte[] white = new byte[first.height() * first.width() * 3];
            java.util.Arrays.fill(white, (byte) 255);
            blank = new RgbImage(first.height(), first.width(), white);
          }
          grid.add(blank);
        }
      }
    }
    if (grid.isEmpty()) {
      return false;
    }
    html.section("Samples by class");
    html.image("one row per class (labels " + shown + "), the first samples of each in " + samples,
        Images.grid(grid, cols, GRID_PAD));
    return true;
  }

  private static double trace(FidStats s) {
    double t = 0;
    for (int i = 0; i < s.dim(); i++) {
      t += s.sigma()[i * s.dim() + i];
    }
    return t;
  }

  private static double norm(FidStats s) {
    double n = 0;
    for (double v : s.mu()) {
      n += v * v;
    }
    return Math.sqrt(n);
  }
}
