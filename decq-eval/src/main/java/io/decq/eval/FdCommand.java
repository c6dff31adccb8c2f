package io.decq.eval;

import com.google.gson.JsonObject;
import io.decq.core.util.Provenance;
import io.decq.eval.fid.FidReports;
import io.decq.eval.fid.GenerativeMetrics;
import io.decq.eval.report.JsonReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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

  @Option(names = "--out", paramLabel = "fd.json", description = "Also write {\"fid\": x, \"provenance\": {...}} here.")
  Path out;

  @Option(names = "--html", paramLabel = "report.html", description = "Write a self-contained HTML report here.")
  Path html;

  @Spec CommandSpec spec;

  /** What {@link #run} produced: the distance and the JSON report (also written if asked for). */
  public record Outcome(double fid, JsonObject json) {}

  @Override
  public Integer call() {
    Outcome o = run(a, b, out, html);
    PrintWriter pw = spec.commandLine().getOut();
    pw.println(o.fid());
    pw.flush();
    return 0;
  }

  /** The distance between {@code a} and {@code b}, and the reports that are asked for ({@code out}, {@code html} may be null). */
  public static Outcome run(Path a, Path b, Path out, Path html) {
    double fid = GenerativeMetrics.frechetDistance(a, b);
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("a", FidStatsCommand.absolute(a));
    inputs.put("b", FidStatsCommand.absolute(b));
    JsonObject provenance = Provenance.of("eval fd", inputs);
    JsonObject json = FidReports.fdJson(fid, provenance);
    if (out != null) {
      JsonReport.write(out, json);
    }
    if (html != null) {
      FidReports.fdHtml(fid, a, b, provenance).write(html);
    }
    return new Outcome(fid, json);
  }
}
