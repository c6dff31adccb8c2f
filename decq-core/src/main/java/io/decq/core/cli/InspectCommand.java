package io.decq.core.cli;

import io.decq.core.io.HostTensor;
import io.decq.core.io.WeightFiles;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code decq inspect FILE [--stats] [--key PREFIX]}: list the tensors of any weight or array file, one
 * line each ({@code name  dtype  [shape]}, with {@code --stats} also {@code min .. max .. mean ..}).
 * Then, when the file has them, the non-tensor entries of a torch checkpoint ({@code step = 3}, Python
 * spelling) and the metadata of a safetensors file ({@code format = pt}), and last a count line.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "List the tensors (name, dtype, shape; --stats: min/max/mean) of a weight or array file.")
public final class InspectCommand implements Subcommand, Callable<Integer> {
  private static final int MAX_LIST_ITEMS = 10;

  @Parameters(index = "0", paramLabel = "FILE",
      description = "A .safetensors, model.safetensors.index.json, Hugging Face model folder, .pt/.pth/.bin/.ckpt, .npz or .npy file.")
  Path file;

  @Option(names = "--stats", description = "Also print min, max and mean of each tensor.")
  boolean stats;

  @Option(names = "--key", paramLabel = "PREFIX", description = "Only entries under this dotted prefix, e.g. model.")
  String key;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    WeightFiles.Contents contents = WeightFiles.readContents(file);
    if (key != null) {
      contents = contents.select(file, key);
    }
    PrintWriter out = spec.commandLine().getOut();
    Map<String, HostTensor> tensors = contents.tensors();
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
    if (!contents.nonTensors().isEmpty()) {
      out.println("non-tensor entries:");
      contents.nonTensors().forEach((k, v) -> out.println("  " + k + " = " + repr(v)));
    }
    if (!contents.metadata().isEmpty()) {
      out.println("metadata:");
      contents.metadata().forEach((k, v) -> out.println("  " + k + " = " + v));
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

  /** A non-tensor value as Python would print it (long lists shortened). */
  static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof String s) {
      return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
    if (v instanceof byte[] b) {
      return "bytes of length " + b.length;
    }
    if (v instanceof Long || v instanceof BigInteger || v instanceof Double) {
      return v.toString();
    }
    if (v instanceof List<?> l) {
      String items = l.stream().limit(MAX_LIST_ITEMS).map(InspectCommand::repr).collect(Collectors.joining(", "));
      return "[" + items + (l.size() > MAX_LIST_ITEMS ? ", ... (" + l.size() + " items)" : "") + "]";
    }
    return v.toString();
  }
}
