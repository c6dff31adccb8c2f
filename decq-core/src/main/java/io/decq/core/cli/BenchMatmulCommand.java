package io.decq.core.cli;

import io.decq.core.bench.MatmulPeak;
import io.decq.core.error.BadInputException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code decq bench matmul}: the fp32 matrix-product rate of the device ({@link MatmulPeak}). */
@Command(
    name = "matmul",
    mixinStandardHelpOptions = true,
    description = "fp32 matmul rate (GFLOP/s) of N x N x N products on the device, the peak a step's FLOPs are "
        + "compared with.")
public final class BenchMatmulCommand implements Callable<Integer> {
  @Option(names = "--size", paramLabel = "N", defaultValue = "1024", description = "Matrix side (default 1024).")
  int size;

  @Option(names = "--repeats", paramLabel = "N", defaultValue = "20", description = "Timed products (default 20).")
  int repeats;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Untimed products first (default 3).")
  int warmup;

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    if (size < 1 || repeats < 1 || warmup < 0) {
      throw new BadInputException("--size and --repeats must be >= 1 and --warmup >= 0");
    }
    MatmulPeak.Result r = MatmulPeak.measure(common.device(), size, repeats, warmup);
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "fp32 matmul %dx%dx%d on %s, %d products: %.3f s, mean %.2f GFLOP/s, fastest product %.2f "
        + "GFLOP/s (libtorch threads: %s)%n", size, size, size, r.device(), repeats, r.seconds(), r.gflopsPerSecond(),
        r.bestGflopsPerSecond(), System.getProperty("ai.djl.pytorch.num_threads", "default"));
    w.flush();
    return 0;
  }
}
