package io.decq.train.loop;

import io.decq.core.run.Metrics;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Sums over the steps of one logging window: the metrics.jsonl record and the console line. */
final class MetricsWindow {
  long count;
  long nanos;
  long dataNanos;
  double loss;
  double gradNorm;
  final Map<String, Double> terms = new LinkedHashMap<>();
  /** Steps that reported each term (an extra optimizer's terms appear only once it trains). */
  final Map<String, Long> termCounts = new LinkedHashMap<>();

  void add(StepReport r, long stepNanos, long waitNanos) {
    count++;
    nanos += stepNanos;
    dataNanos += waitNanos;
    loss += r.loss();
    gradNorm += r.gradNorm();
    r.terms().forEach((k, v) -> {
      terms.merge(k, v, Double::sum);
      termCounts.merge(k, 1L, Long::sum);
    });
  }

  double meanLoss() {
    return loss / count;
  }

  double imagesPerSecond(int batchSize) {
    return count * (double) batchSize / (nanos * 1e-9);
  }

  /** The metrics.jsonl record: the {@link Metrics} columns, with each loss term after the total. */
  Map<String, Object> record(long step, double epoch, double lr, int batchSize) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put(Metrics.STEP, step);
    out.put(Metrics.EPOCH, epoch);
    out.put(Metrics.LOSS, meanLoss());
    terms.forEach((k, v) -> out.put(k, v / termCounts.get(k)));
    out.put(Metrics.LR, lr);
    out.put(Metrics.GRAD_NORM, gradNorm / count);
    out.put(Metrics.IMAGES_PER_S, imagesPerSecond(batchSize));
    out.put(Metrics.DATA_WAIT, (double) dataNanos / nanos);
    return out;
  }

  /**
   * The console line: {@code step 20/60 | loss 0.1234 (l1 0.1234) | lr 1.00e-03 | grad 0.05 | 12.1 img/s |
   * data wait 1% | ETA 0m18s}, the ETA from the mean step time of {@code total}.
   */
  String progressLine(long step, long maxSteps, double lr, int batchSize, MetricsWindow total) {
    StringBuilder t = new StringBuilder();
    terms.forEach((k, v) -> t.append(t.length() == 0 ? " (" : ", ").append(k).append(' ')
        .append(String.format(Locale.ROOT, "%.4f", v / termCounts.get(k))));
    if (t.length() > 0) {
      t.append(')');
    }
    double secondsPerStep = total.nanos * 1e-9 / total.count;
    long eta = Math.round(secondsPerStep * (maxSteps - step));
    return String.format(Locale.ROOT, "step %d/%d | loss %.4f%s | lr %.2e | grad %.3g | %.1f img/s | data wait %.0f%% | ETA %s",
        step, maxSteps, meanLoss(), t, lr, gradNorm / count, imagesPerSecond(batchSize), 100.0 * dataNanos / nanos,
        duration(eta));
  }

  /** {@code 1h05m} or {@code 3m07s}. */
  static String duration(long seconds) {
    if (seconds >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, seconds % 3600 / 60);
    }
    return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }
}
