package io.decq.eval;

import io.decq.core.cli.CommonOptions;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.fid.GenerativeMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
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
        + "a folder of images or an .npz sample batch (arr_0 uint8 N x H x W x 3).")
public final class StatsCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Mixin InceptionOptions inception;

  @Option(names = "--images", required = true, paramLabel = "DIR|samples.npz", description = "The images.")
  Path images;

  @Option(names = "--out", required = true, paramLabel = "stats.npz", description = "Statistics file to write.")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    FidPreprocess preprocess = inception.preprocess();
    int batch = inception.batch();
    GenerativeMetrics.StatsSummary s;
    try (FidInception net = FidInception.load(inception.weights, common.device())) {
      s = GenerativeMetrics.writeStats(net, images, out, preprocess, batch);
    }
    PrintWriter pw = spec.commandLine().getOut();
    pw.printf(Locale.ROOT, "%s: statistics of %d images (preprocess %s, %.2f images/s): mu, sigma (%d), mu_s, sigma_s (%d)%n",
        s.out(), s.images(), preprocess.id(), s.imagesPerSecond(), FidInception.POOL_DIM, FidInception.SPATIAL_DIM);
    pw.flush();
    return 0;
  }
}
