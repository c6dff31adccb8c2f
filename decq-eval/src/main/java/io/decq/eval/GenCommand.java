package io.decq.eval;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.cli.CommonOptions;
import io.decq.core.util.Provenance;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.fid.FidReports;
import io.decq.eval.fid.GenerativeMetrics;
import io.decq.eval.fid.InceptionScore;
import io.decq.eval.fid.KernelInceptionDistance;
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

/** {@code decq eval gen}: FID, sFID, IS, precision, recall and KID of samples against a reference batch. */
@Command(
    name = "gen",
    mixinStandardHelpOptions = true,
    description = "FID, sFID, Inception Score, precision and recall (k = 3) of a sample batch against a reference, as "
        + "the ADM evaluator computes them (e.g. --ref VIRTUAL_imagenet256_labeled.npz), and KID as torch-fidelity "
        + "computes it (needs reference images).")
public final class GenCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin InceptionOptions inception;

  @Option(names = "--samples", required = true, paramLabel = "DIR|samples.npz",
      description = "Samples: a folder of images or an .npz batch (arr_0 uint8 N x H x W x 3).")
  Path samples;

  @Option(names = "--ref", required = true, paramLabel = "ref.npz|DIR",
      description = "Reference: an ADM reference batch (mu, sigma, mu_s, sigma_s and arr_0 images) or a folder of images.")
  Path ref;

  @Option(names = "--out", paramLabel = "report.json", description = "Write the report as JSON here.")
  Path out;

  @Option(names = "--html", paramLabel = "report.html", description = "Write a self-contained HTML report here.")
  Path html;

  @Option(names = "--no-pr", description = "Skip precision/recall (then a reference .npz's images are not read when its "
      + "statistics are complete).")
  boolean noPrecisionRecall;

  @Option(names = "--kid-subsets", paramLabel = "N", defaultValue = "" + KernelInceptionDistance.DEFAULT_SUBSETS,
      description = "KID: random subsets averaged (default: ${DEFAULT-VALUE}, torch-fidelity's).")
  int kidSubsets;

  @Option(names = "--kid-subset-size", paramLabel = "M", defaultValue = "" + KernelInceptionDistance.DEFAULT_SUBSET_SIZE,
      description = "KID: images per subset, at most the smaller set's count (default: ${DEFAULT-VALUE}).")
  int kidSubsetSize;

  @Option(names = "--no-kid", description = "Skip KID (then a reference .npz's images are not read for it).")
  boolean noKid;

  @Spec CommandSpec spec;

  /** What {@link #run} produced: the metrics and the JSON report (also written if asked for). */
  public record Outcome(GenerativeMetrics.Report report, JsonObject json) {}

  @Override
  public Integer call() {
    KernelInceptionDistance.Options kid = noKid ? null : new KernelInceptionDistance.Options(kidSubsets, kidSubsetSize,
        common.seed == null ? KernelInceptionDistance.DEFAULT_SEED : common.seed);
    GenerativeMetrics.Report r = run(inception.weights, samples, ref, inception.preprocess(), inception.batch(),
        !noPrecisionRecall, kid, common.device(), out, html).report();
    PrintWriter pw = spec.commandLine().getOut();
    pw.printf(Locale.ROOT, "Inception Score: %.6f (std %.6f over %d splits)%n", r.inceptionScore(), r.inceptionScoreStd(),
        InceptionScore.DEFAULT_SPLITS);
    pw.printf(Locale.ROOT, "FID: %.6f%n", r.fid());
    pw.println("sFID: " + (r.sfid() == null ? "n/a (reference has no mu_s/sigma_s or images)" : format(r.sfid())));
    pw.println("Precision: " + (r.precision() == null ? "n/a" : format(r.precision())));
    pw.println("Recall: " + (r.recall() == null ? "n/a" : format(r.recall())));
    pw.println("KID: " + (r.kid() == null ? "n/a" : String.format(Locale.ROOT, "%.6f (std %.6f over %d subsets of %d)",
        r.kid().mean(), r.kid().std(), r.kid().subsets(), r.kid().subsetSize())));
    if (out != null) {
      pw.println("JSON report: " + out);
    }
    if (html != null) {
      pw.println("HTML report: " + html);
    }
    pw.flush();
    return 0;
  }

  /**
   * The metrics of {@code samples} against {@code ref} and the reports that are asked for ({@code kid},
   * {@code out}, {@code html} may be null).
   */
  public static Outcome run(Path weights, Path samples, Path ref, FidPreprocess preprocess, int batch,
      boolean precisionRecall, KernelInceptionDistance.Options kid, Device device, Path out, Path html) {
    GenerativeMetrics.Report r;
    try (FidInception net = FidInception.load(weights, device)) {
      r = GenerativeMetrics.evaluate(net, samples, ref, preprocess, batch, precisionRecall, kid);
    }
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("samples", FidStatsCommand.absolute(samples));
    inputs.put("reference", FidStatsCommand.absolute(ref));
    inputs.put("inception", FidStatsCommand.absolute(weights));
    inputs.put("preprocess", preprocess.id());
    inputs.put("precision_recall", String.valueOf(precisionRecall));
    inputs.put("kid", kid == null ? "false" : kid.subsets() + " subsets of " + kid.subsetSize() + ", seed " + kid.seed());
    JsonObject provenance = Provenance.of("eval gen", inputs);
    JsonObject json = r.toJson(samples, ref, weights, provenance);
    if (out != null) {
      JsonReport.write(out, json);
    }
    if (html != null) {
      FidReports.genHtml(r, samples, ref, provenance).write(html);
    }
    return new Outcome(r, json);
  }

  private static String format(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
