package io.decq.eval;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.cli.CommonOptions;
import io.decq.core.util.Provenance;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.fid.FidReports;
import io.decq.eval.fid.GenerativeMetrics;
import io.decq.eval.report.JsonReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code decq eval stats}: FID statistics of a folder of images or a sample batch. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = "Write ADM-compatible FID statistics (mu, sigma: 2048-d pool3; mu_s, sigma_s: 2023-d spatial) of "
        + "a folder of images or an .npz sample batch (arr_0 uint8 N x H x W x 3); --json writes a report with "
        + "provenance, --html a self-contained page.")
public final class FidStatsCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin InceptionOptions inception;

  @Option(names = "--images", required = true, paramLabel = "DIR|samples.npz", description = "The images.")
  Path images;

  @Option(names = "--out", required = true, paramLabel = "stats.npz", description = "Statistics file to write.")
  Path out;

  @Option(names = "--json", paramLabel = "report.json",
      description = "Also write a JSON report (image count, preprocessing, summary numbers, provenance) here.")
  Path json;

  @Option(names = "--html", paramLabel = "report.html", description = "Write a self-contained HTML report here.")
  Path html;

  @Spec CommandSpec spec;

  /** What {@link #run} produced: the statistics written and the JSON report (also written if asked for). */
  public record Outcome(GenerativeMetrics.StatsSummary summary, JsonObject json) {}

  @Override
  public Integer call() {
    FidPreprocess preprocess = inception.preprocess();
    Outcome o = run(inception.weights, images, out, preprocess, inception.batch(), common.device(), json, html);
    GenerativeMetrics.StatsSummary s = o.summary();
    PrintWriter pw = spec.commandLine().getOut();
    pw.printf(Locale.ROOT, "%s: statistics of %d images (preprocess %s, %.2f images/s): mu, sigma (%d), mu_s, sigma_s (%d)%n",
        s.out(), s.images(), preprocess.id(), s.imagesPerSecond(), FidInception.POOL_DIM, FidInception.SPATIAL_DIM);
    if (json != null) {
      pw.println("JSON report: " + json);
    }
    if (html != null) {
      pw.println("HTML report: " + html);
    }
    pw.flush();
    return 0;
  }

  /**
   * Writes the statistics of {@code images} to {@code out} and the reports that are asked for ({@code
   * json}, {@code html} may be null).
   */
  public static Outcome run(Path weights, Path images, Path out, FidPreprocess preprocess, int batch, Device device,
      Path json, Path html) {
    GenerativeMetrics.StatsSummary s;
    try (FidInception net = FidInception.load(weights, device)) {
      s = GenerativeMetrics.writeStats(net, images, out, preprocess, batch);
    }
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("images", absolute(images));
    inputs.put("inception", absolute(weights));
    inputs.put("preprocess", preprocess.id());
    JsonObject provenance = Provenance.of("eval stats", inputs);
    JsonObject report = FidReports.statsJson(s, preprocess.id(), provenance);
    if (json != null) {
      JsonReport.write(json, report);
    }
    if (html != null) {
      FidReports.statsHtml(s, images, preprocess.id(), provenance).write(html);
    }
    return new Outcome(s, report);
  }

  static String absolute(Path p) {
    if (FidInception.isRandom(p)) {
      return p + " (random-weight FID-Inception: a pipeline check, not a quality number)";
    }
    return p.toAbsolutePath().normalize().toString();
  }
}
