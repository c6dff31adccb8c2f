package io.decq.eval;

import io.decq.core.cli.CommonOptions;
import io.decq.core.io.AtomicFiles;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.GenerativeMetrics;
import io.decq.eval.fid.InceptionScore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code decq eval gen}: FID, sFID, IS, precision and recall of samples against a reference batch. */
@Command(
    name = "gen",
    mixinStandardHelpOptions = true,
    description = "FID, sFID, Inception Score, precision and recall (k = 3) of a sample batch against a reference, as "
        + "the ADM evaluator computes them (e.g. --ref VIRTUAL_imagenet256_labeled.npz).")
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

  @Option(names = "--no-pr", description = "Skip precision/recall (then a reference .npz's images are not read when its "
      + "statistics are complete).")
  boolean noPrecisionRecall;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    GenerativeMetrics.Report r;
    try (FidInception net = FidInception.load(inception.weights, common.device())) {
      r = GenerativeMetrics.evaluate(net, samples, ref, inception.preprocess(), inception.batch(), !noPrecisionRecall);
    }
    if (out != null) {
      AtomicFiles.writeString(out, r.toJson(samples, ref, inception.weights) + "\n");
    }
    PrintWriter pw = spec.commandLine().getOut();
    pw.printf(Locale.ROOT, "Inception Score: %.6f (std %.6f over %d splits)%n", r.inceptionScore(), r.inceptionScoreStd(),
        InceptionScore.DEFAULT_SPLITS);
    pw.printf(Locale.ROOT, "FID: %.6f%n", r.fid());
    pw.println("sFID: " + (r.sfid() == null ? "n/a (reference has no mu_s/sigma_s or images)" : format(r.sfid())));
    pw.println("Precision: " + (r.precision() == null ? "n/a" : format(r.precision())));
    pw.println("Recall: " + (r.recall() == null ? "n/a" : format(r.recall())));
    pw.flush();
    return 0;
  }

  private static String format(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }
}
