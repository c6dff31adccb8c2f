package io.decq.eval.report;

import com.google.gson.JsonObject;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import io.decq.core.io.AtomicFiles;
import io.decq.core.run.Metrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A self-contained HTML report page: inline CSS, images embedded as base64 PNG, charts as inline SVG,
 * nothing fetched from the network, so the file opens anywhere. Sections are appended in order:
 *
 * <pre>{@code
 * new HtmlReport("Image quality")
 *     .metrics("Means", Map.of("PSNR (dB)", 28.5, "SSIM", 0.85))
 *     .table("Per image", List.of("image", "PSNR", "SSIM"), rows)
 *     .image("reference | candidate", Images.grid(List.of(ref, cand), 2, 4))
 *     .lossCurvesNear(checkpoint)
 *     .provenance(provenance)
 *     .write(Path.of("report.html"));
 * }</pre>
 *
 * Numbers in tables are formatted with {@link #format(Object)}.
 */
public final class HtmlReport {
  /** Images larger than this on their longest side are shrunk by an integer box filter for display. */
  public static final int MAX_IMAGE_SIDE = 1152;

  /**
   * The metrics.jsonl columns that are not loss terms, each drawn in its own chart, with its y-axis label
   * (the gradient norm on a log scale where it spans more than a decade).
   */
  public static final Map<String, String> NOT_LOSSES = orderedMap(
      Metrics.LR, "learning rate", Metrics.GRAD_NORM, "gradient norm", Metrics.IMAGES_PER_S, "images / s",
      Metrics.DATA_WAIT, "data wait (fraction)");

  private static final String CSS = String.join("\n",
      "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:1200px;"
          + "padding:0 1em;color:#222;line-height:1.4}",
      "h1{font-size:1.6em;border-bottom:2px solid #ddd;padding-bottom:.3em}",
      "h2{font-size:1.25em;margin-top:1.8em}",
      "table{border-collapse:collapse;margin:.5em 0 1em}",
      "caption{text-align:left;font-weight:600;padding:.3em 0}",
      "th,td{border:1px solid #ddd;padding:.25em .7em}",
      "th{background:#f4f4f4;text-align:left}",
      "td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,Menlo,Consolas,monospace}",
      "tr:nth-child(even) td{background:#fafafa}",
      "figure{margin:1em 1em 1em 0;display:inline-block;vertical-align:top}",
      "figure img{max-width:100%;height:auto;border:1px solid #ccc}",
      "figcaption{font-size:.9em;color:#444;margin-top:.3em}",
      ".chart text{font-size:12px;fill:#333}",
      ".note{color:#666;font-size:.9em}",
      "pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}");

  private final String title;
  private final StringBuilder body = new StringBuilder();

  public HtmlReport(String title) {
    this.title = title;
  }

  /** A section heading. */
  public HtmlReport section(String heading) {
    body.append("<h2>").append(escape(heading)).append("</h2>\n");
    return this;
  }

  /** A paragraph of plain text. */
  public HtmlReport text(String paragraph) {
    body.append("<p>").append(escape(paragraph)).append("</p>\n");
    return this;
  }

  /** A two-column table of named values (numbers formatted with {@link #format(Object)}). */
  public HtmlReport metrics(String caption, Map<String, ?> values) {
    List<List<?>> rows = new ArrayList<>();
    values.forEach((k, v) -> rows.add(List.of(k, v)));
    return table(caption, List.of("metric", "value"), rows);
  }

  /** A table; numeric cells are right-aligned and formatted with {@link #format(Object)}. */
  public HtmlReport table(String caption, List<String> header, List<? extends List<?>> rows) {
    body.append("<table>\n<caption>").append(escape(caption)).append("</caption>\n<tr>");
    for (String h : header) {
      body.append("<th>").append(escape(h)).append("</th>");
    }
    body.append("</tr>\n");
    for (List<?> row : rows) {
      body.append("<tr>");
      for (Object cell : row) {
        body.append(cell instanceof Number ? "<td class=\"num\">" : "<td>").append(escape(format(cell))).append("</td>");
      }
      body.append("</tr>\n");
    }
    body.append("</table>\n");
    return this;
  }

  /** An image (e.g. an {@code Images.grid}) embedded as PNG, shrunk if larger than {@link #MAX_IMAGE_SIDE}. */
  public HtmlReport image(String caption, RgbImage image) {
    RgbImage shown = shrink(image, MAX_IMAGE_SIDE);
    body.append("<figure style=\"max-width:").append(shown.width() + 2).append("px\"><img alt=\"").append(escape(caption)).append("\" width=\"").append(shown.width())
        .append("\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(Images.toPng(shown)))
        .append("\"><figcaption>").append(escape(caption)).append("</figcaption></figure>\n");
    return this;
  }

  /**
   * Training curves from a {@code metrics.jsonl}: one chart of the loss and every loss term (on a log
   * scale where they span more than a decade), then one chart each of the other values a trainer logs
   * when present ({@link #NOT_LOSSES}: learning rate, gradient norm, throughput, data-wait fraction).
   * {@code epoch} is not drawn.
   */
  public HtmlReport lossCurves(Path metricsJsonl) {
    Map<String, LossCurves.Series> all = LossCurves.read(metricsJsonl);
    section("Training curves");
    body.append("<p class=\"note\">from ").append(escape(metricsJsonl.toString())).append("</p>\n");
    List<LossCurves.Series> losses = new ArrayList<>();
    all.forEach((name, s) -> {
      if (!NOT_LOSSES.containsKey(name) && !name.equals(Metrics.EPOCH)) {
        losses.add(s);
      }
    });
    if (losses.isEmpty() && NOT_LOSSES.keySet().stream().noneMatch(all::containsKey)) {
      body.append("<p class=\"note\">(no values logged yet)</p>\n");
      return this;
    }
    if (!losses.isEmpty()) {
      body.append(SvgChart.lines("loss", losses, true));
    }
    NOT_LOSSES.forEach((name, label) -> {
      if (all.containsKey(name)) {
        body.append(SvgChart.lines(label, List.of(all.get(name)), name.equals(Metrics.GRAD_NORM)));
      }
    });
    return this;
  }

  /** {@link #lossCurves} of the run that {@code checkpoint} belongs to, if its metrics file is found (see {@link LossCurves#find}). */
  public HtmlReport lossCurvesNear(Path checkpoint) {
    Optional<Path> metrics = LossCurves.find(checkpoint);
    metrics.ifPresent(this::lossCurves);
    return this;
  }

  /** The provenance record, as JSON in a collapsed block. */
  public HtmlReport provenance(JsonObject provenance) {
    section("Provenance");
    body.append("<details><summary>how this report was made</summary><pre>")
        .append(escape(JsonReport.toJson(provenance))).append("</pre></details>\n");
    return this;
  }

  /** The complete page. */
  public String render() {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title)
        + "</title>\n<style>\n" + CSS + "\n</style>\n</head>\n<body>\n<h1>" + escape(title) + "</h1>\n" + body
        + "</body>\n</html>\n";
  }

  /** Writes the page to {@code file} atomically. */
  public void write(Path file) {
    AtomicFiles.writeString(file, render());
  }

  /**
   * How table cells show values: doubles with 6 significant digits ({@code inf} for infinity), other
   * values as text.
   */
  public static String format(Object value) {
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (Double.isInfinite(d)) {
        return d > 0 ? "inf" : "-inf";
      }
      return Double.isNaN(d) ? "nan" : String.format(Locale.ROOT, "%.6g", d);
    }
    return String.valueOf(value);
  }

  /** HTML-escapes text for element content and attribute values. */
  public static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static Map<String, String> orderedMap(String... keysAndValues) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  private static RgbImage shrink(RgbImage im, int maxSide) {
    int f = (Math.max(im.height(), im.width()) + maxSide - 1) / maxSide;
    if (f <= 1) {
      return im;
    }
    int h = im.height() / f;
    int w = im.width() / f;
    byte[] out = new byte[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int c = 0; c < 3; c++) {
          int sum = 0;
          for (int dy = 0; dy < f; dy++) {
            for (int dx = 0; dx < f; dx++) {
              sum += im.get(y * f + dy, x * f + dx, c);
            }
          }
          out[(y * w + x) * 3 + c] = (byte) ((sum + f * f / 2) / (f * f));
        }
      }
    }
    return new RgbImage(h, w, out);
  }

}
