package io.decq.eval;

import com.google.gson.JsonObject;
import io.decq.core.io.AtomicFiles;
import io.decq.eval.fid.GenerativeMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code decq eval fd A.npz B.npz}: the Frechet distance between two statistics files. */
@Command(
    name = "fd",
    mixinStandardHelpOptions = true,
    description = "Print the Frechet distance between the mu/sigma of two .npz files (decq eval stats output or ADM "
        + "reference batches); equals pytorch-fid's and the ADM evaluator's value.")
public final class FdCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "A.npz", description = "First statistics file.")
  Path a;

  @Parameters(index = "1", paramLabel = "B.npz", description = "Second statistics file.")
  Path b;

  @Option(names = "--out", paramLabel = "fd.json", description = "Also write {\"fid\": x} here.")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    double fid = GenerativeMetrics.frechetDistance(a, b);
    if (out != null) {
      JsonObject o = new JsonObject();
      o.addProperty("fid", fid);
      AtomicFiles.writeString(out, o + "\n");
    }
    PrintWriter pw = spec.commandLine().getOut();
    pw.println(fid);
    pw.flush();
    return 0;
  }
}
