package io.decq.core.cli;

import io.decq.core.config.EncoderConfig.Family;
import io.decq.core.encoder.EncoderBenchmark;
import io.decq.core.encoder.HfVisionConfig;
import io.decq.core.error.BadInputException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq bench encode}: {@link EncoderBenchmark} (throughput of a random-weight base-size encoder and
 * native memory before and after), printed.
 */
@Command(
    name = "encode",
    mixinStandardHelpOptions = true,
    description = "Encode throughput (images/s) of a random-weight base-size encoder, and native memory before/after.")
public final class BenchEncodeCommand implements Callable<Integer> {
  @Option(names = "--family", paramLabel = "dinov2-reg|siglip2", defaultValue = "dinov2-reg",
      description = "Base-size model to build (default dinov2-reg).")
  String family;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "4", description = "Images per batch (default 4).")
  int batch;

  @Option(names = "--batches", paramLabel = "N", defaultValue = "200", description = "Timed batches (default 200).")
  int batches;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "3", description = "Untimed batches first (default 3).")
  int warmup;

  @Option(names = "--hidden-states", paramLabel = "0,3,6,9|all", defaultValue = "0,3,6,9",
      description = "Hidden states requested per batch, as the condensers do (default 0,3,6,9).")
  String hiddenStates;

  @Mixin CommonOptions common;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Family f = Family.parse(family, "--family");
    if (f == Family.AUTO) {
      throw new BadInputException("--family: name dinov2-reg or siglip2 for the benchmark");
    }
    Set<Integer> taps = EncodeCommand.parseTaps(hiddenStates, HfVisionConfig.base(f).layers());
    EncoderBenchmark.Result r = EncoderBenchmark.run(f, batch, batches, warmup, taps, common.seed == null ? 0 : common.seed,
        common.device());
    PrintWriter w = spec.commandLine().getOut();
    w.printf(Locale.ROOT, "encoder %s base (random weights) on %s, batch %d, %d batches after %d warm-up%n",
        r.family(), r.device(), r.batch(), r.batches(), warmup);
    w.printf(Locale.ROOT, "throughput: %.2f images/s (%.1f ms per batch)%n", r.imagesPerSecond(),
        1000 * r.seconds() / r.batches());
    w.printf(Locale.ROOT, "live native arrays: %d before, %d after%n", r.liveArraysBefore(), r.liveArraysAfter());
    w.printf(Locale.ROOT, "resident memory (MiB) at 0/25/50/75/100 %% of the batches: %s (Java heap committed: %s)%n",
        mib(r.residentByQuarter()), mib(r.javaHeapByQuarter()));
    w.flush();
    return r.liveArraysAfter() > r.liveArraysBefore() ? 1 : 0;
  }

  private static String mib(long[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (long b : bytes) {
      sb.append(sb.length() == 0 ? "" : " ").append(b <= 0 ? "?" : String.valueOf(Math.round(b / 1048576.0)));
    }
    return sb.toString();
  }
}
