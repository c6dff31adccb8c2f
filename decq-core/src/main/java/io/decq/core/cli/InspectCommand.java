package io.decq.core.cli;

import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code decq inspect FILE [--stats]}: list the tensors of any weight or array file. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "List the tensors (name, dtype, shape; --stats: min/max/mean) of a weight or array file.")
public final class InspectCommand implements Subcommand, Callable<Integer> {
  @Parameters(index = "0", paramLabel = "FILE", description = "Weight or array file (or a Hugging Face model folder).")
  Path file;

  @Option(names = "--stats", description = "Also print min, max and mean of each tensor.")
  boolean stats;

  @Option(names = "--key", paramLabel = "PREFIX", description = "Only tensors under this dotted prefix, e.g. model.")
  String key;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Map<String, HostTensor> tensors = WeightFiles.read(file);
    if (key != null) {
      tensors = WeightFiles.select(file, tensors, key);
    }
    PrintWriter out = spec.commandLine().getOut();
    int width = tensors.keySet().stream().mapToInt(String::length).max().orElse(4);
    long total = 0;
    for (Map.Entry<String, HostTensor> e : tensors.entrySet()) {
      HostTensor t = e.getValue();
      total += t.numel();
      String line = String.format(Locale.ROOT, "%-" + width + "s  %-4s  %s", e.getKey(), t.dtype(), Arrays.toString(t.shape()));
      if (stats) {
        line += "  " + stats(t);
      }
      out.println(line);
    }
    out.printf(Locale.ROOT, "%d tensors, %d values%n", tensors.size(), total);
    out.flush();
    return 0;
  }

  static String stats(HostTensor t) {
    long n = t.numel();
    if (n == 0) {
      return "(empty)";
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (long i = 0; i < n; i++) {
      double v = t.getDouble(i);
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    return String.format(Locale.ROOT, "min %.6g  max %.6g  mean %.6g", min, max, sum / n);
  }
}
