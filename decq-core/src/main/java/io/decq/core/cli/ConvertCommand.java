package io.decq.core.cli;

import io.decq.core.io.WeightFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code decq convert IN OUT.safetensors [--key PREFIX]}: rewrite the tensors of a torch, NumPy or
 * safetensors file as one safetensors file (dotted names, dtypes kept, source recorded in the metadata).
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = "Convert a .pt/.pth/.bin/.ckpt, .npz/.npy or .safetensors file to safetensors.")
public final class ConvertCommand implements Subcommand, Callable<Integer> {
  @Parameters(index = "0", paramLabel = "IN", description = "The file to convert.")
  Path in;

  @Parameters(index = "1", paramLabel = "OUT", description = "The .safetensors file to write (replaced atomically).")
  Path out;

  @Option(names = "--key", paramLabel = "PREFIX",
      description = "Convert only the entries under this dotted prefix and drop it, e.g. --key ema of a training checkpoint.")
  String key;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    WeightFiles.Conversion c = WeightFiles.convertToSafetensors(in, out, key);
    PrintWriter w = spec.commandLine().getOut();
    w.printf("wrote %s: %d tensors, %d values%n", c.out(), c.tensors(), c.values());
    if (!c.skippedNonTensors().isEmpty()) {
      w.println("left out " + c.skippedNonTensors().size() + " non-tensor entries: "
          + String.join(", ", c.skippedNonTensors()));
    }
    w.flush();
    return 0;
  }
}
