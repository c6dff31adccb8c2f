package io.decq.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts as inline SVG (no scripts, no external resources): steps on x, values on y (log scale on
 * request, when every value is positive), one coloured polyline per series and a legend.
 */
final class SvgChart {
  private static final String[] COLORS = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"
  };
  private static final int WIDTH = 760;
  private static final int HEIGHT = 300;
  private static final int LEFT = 72;
  private static final int RIGHT = WIDTH - 180;
  private static final int TOP = 16;
  private static final int BOTTOM = HEIGHT - 36;
  /** Longer series are averaged over buckets down to this many points. */
  private static final int MAX_POINTS = 1200;

  private SvgChart() {}

  /** A chart of {@code series} (each with at least one point) with the y axis labelled {@code yLabel}. */
  static String lines(String yLabel, List<LossCurves.Series> series, boolean logY) {
    double x0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY;
    double y0 = Double.POSITIVE_INFINITY;
    double y1 = Double.NEGATIVE_INFINITY;
    boolean positive = true;
    for (LossCurves.Series s : series) {
      for (int i = 0; i < s.steps().length; i++) {
        if (!Double.isFinite(s.values()[i])) {
          continue;
        }
        x0 = Math.min(x0, s.steps()[i]);
        x1 = Math.max(x1, s.steps()[i]);
        y0 = Math.min(y0, s.values()[i]);
        y1 = Math.max(y1, s.values()[i]);
        positive &= s.values()[i] > 0;
      }
    }
    if (!Double.isFinite(x0)) {
      return "<p class=\"note\">(no finite values)</p>";
    }
    boolean log = logY && positive && y1 / y0 > 10;
    Axis xAxis = Axis.linear(x0, x1);
    Axis yAxis = log ? Axis.log(y0, y1) : Axis.linear(y0, y1);
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#999\"/>%n",
        LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP));
    for (double t : xAxis.ticks) {
      double px = LEFT + xAxis.fraction(t) * (RIGHT - LEFT);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
          + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, TOP, px, BOTTOM, px, BOTTOM + 16, label(t)));
    }
    for (double t : yAxis.ticks) {
      double py = BOTTOM - yAxis.fraction(t) * (BOTTOM - TOP);
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, py, RIGHT, py, LEFT - 4, py + 4, label(t)));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">step</text>%n",
        (LEFT + RIGHT) / 2, HEIGHT - 4));
    svg.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 12 %d)\">%s%s</text>%n",
        (TOP + BOTTOM) / 2, (TOP + BOTTOM) / 2, HtmlReport.escape(yLabel), log ? " (log)" : ""));
    for (int k = 0; k < series.size(); k++) {
      LossCurves.Series s = decimate(series.get(k));
      String color = COLORS[k % COLORS.length];
      StringBuilder pts = new StringBuilder();
      for (int i = 0; i < s.steps().length; i++) {
        double v = s.values()[i];
        if (!Double.isFinite(v) || (log && v <= 0)) {
          continue;
        }
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + xAxis.fraction(s.steps()[i]) * (RIGHT - LEFT),
            BOTTOM - yAxis.fraction(v) * (BOTTOM - TOP)));
      }
      svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n",
          color, pts.toString().strip()));
      int ly = TOP + 10 + 18 * k;
      svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>"
          + "<text x=\"%d\" y=\"%d\">%s</text>%n", RIGHT + 10, ly, RIGHT + 30, ly, color, RIGHT + 36, ly + 4,
          HtmlReport.escape(s.name())));
    }
    return svg.append("</svg>\n").toString();
  }

  /** Bucket means down to {@link #MAX_POINTS} points (training losses are noisy; this also smooths). */
  private static LossCurves.Series decimate(LossCurves.Series s) {
    int n = s.steps().length;
    if (n <= MAX_POINTS) {
      return s;
    }
    double[] steps = new double[MAX_POINTS];
    double[] values = new double[MAX_POINTS];
    for (int b = 0; b < MAX_POINTS; b++) {
      int from = (int) ((long) b * n / MAX_POINTS);
      int to = (int) ((long) (b + 1) * n / MAX_POINTS);
      double sx = 0;
      double sy = 0;
      for (int i = from; i < to; i++) {
        sx += s.steps()[i];
        sy += s.values()[i];
      }
      steps[b] = sx / (to - from);
      values[b] = sy / (to - from);
    }
    return new LossCurves.Series(s.name(), steps, values);
  }

  private static String label(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e7) {
      return String.format(Locale.ROOT, "%d", (long) v);
    }
    String s = String.format(Locale.ROOT, "%.3g", v);
    int e = s.indexOf('e');
    String mantissa = e < 0 ? s : s.substring(0, e);
    if (mantissa.contains(".")) {
      mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return e < 0 ? mantissa : mantissa + s.substring(e);
  }

  /** A linear or log10 mapping of [lo, hi] to [0, 1] with round tick values. */
  private static final class Axis {
    final double lo;
    final double hi;
    final boolean log;
    final List<Double> ticks = new ArrayList<>();

    private Axis(double lo, double hi, boolean log) {
      this.lo = lo;
      this.hi = hi;
      this.log = log;
    }

    static Axis linear(double min, double max) {
      if (max <= min) {
        double pad = min == 0 ? 1 : Math.abs(min) * 0.05;
        min -= pad;
        max += pad;
      }
      double raw = (max - min) / 5;
      double mag = Math.pow(10, Math.floor(Math.log10(raw)));
      double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
      Axis a = new Axis(min, max, false);
      for (double t = Math.ceil(min / step) * step; t <= max + 1e-9 * step; t += step) {
        a.ticks.add(Math.abs(t) < 1e-12 * step ? 0.0 : t);
      }
      return a;
    }

    static Axis log(double min, double max) {
      Axis a = new Axis(Math.log10(min), Math.log10(max), true);
      for (int e = (int) Math.ceil(a.lo); e <= Math.floor(a.hi); e++) {
        a.ticks.add(Math.pow(10, e));
      }
      return a;
    }

    double fraction(double v) {
      double x = log ? Math.log10(v) : v;
      return (x - lo) / (hi - lo);
    }
  }
}
