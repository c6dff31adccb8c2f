package io.decq.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.decq.core.error.BadInputException;
import io.decq.core.image.Images;
import io.decq.core.run.Metrics;
import io.decq.core.run.RunDirectory;
import io.decq.core.util.Provenance;
import io.decq.eval.report.HtmlReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq eval report}: one self-contained HTML page tying together what other commands wrote: text,
 * images (e.g. a sample grid), metric tables from their JSON reports, and training runs (loss curves and
 * the newest preview). Sections come in that order, each kind in the order given.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Assemble one self-contained HTML page from paragraphs, images, JSON metric reports (decq eval recon / gen / iq)"
          + " and training runs (loss curves and newest preview of each).",
      "Example: decq eval report --title Quickstart --image 'Samples=runs/q/samples/grid.png' --metrics"
          + " 'Generation=runs/q/gen-eval.json' --run 'Stage 1=runs/q/stage1' --out runs/q/report.html"})
public final class ReportCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "report.html", description = "The page to write.")
  Path out;

  @Option(names = "--title", defaultValue = "DecQ report", paramLabel = "TEXT", description = "The page title.")
  String title;

  @Option(names = "--text", paramLabel = "PARAGRAPH", description = "A paragraph (repeatable).")
  List<String> texts = new ArrayList<>();

  @Option(names = "--image", paramLabel = "CAPTION=FILE.png", description = "An image with its caption (repeatable).")
  List<String> images = new ArrayList<>();

  @Option(names = "--metrics", paramLabel = "CAPTION=REPORT.json",
      description = "The numbers of a JSON report as a table (repeatable).")
  List<String> metrics = new ArrayList<>();

  @Option(names = "--run", paramLabel = "CAPTION=RUN_DIR",
      description = "A training run: its loss curves and newest preview (repeatable).")
  List<String> runs = new ArrayList<>();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Map<String, String> inputs = new LinkedHashMap<>();
    HtmlReport html = new HtmlReport(title);
    texts.forEach(html::text);
    for (String spec : images) {
      String[] kv = pair(spec, "--image");
      Path file = existing(kv[1], "--image");
      html.section(kv[0]);
      html.image(kv[0] + " (" + file + ")", Images.read(file));
      inputs.put("image " + kv[0], file.toString());
    }
    for (String spec : metrics) {
      String[] kv = pair(spec, "--metrics");
      Path file = existing(kv[1], "--metrics");
      html.section(kv[0]);
      html.metrics("from " + file, numbers(file));
      inputs.put("metrics " + kv[0], file.toString());
    }
    for (String spec : runs) {
      String[] kv = pair(spec, "--run");
      RunDirectory run = new RunDirectory(existing(kv[1], "--run"));
      html.section(kv[0]);
      Path newest = newestPreview(run);
      if (newest != null) {
        html.image("newest preview: " + newest.getFileName() + " of " + run.root(), Images.read(newest));
      }
      Path m = run.root().resolve(Metrics.FILE);
      if (Files.isRegularFile(m)) {
        html.lossCurves(m);
      }
      inputs.put("run " + kv[0], run.root().toString());
    }
    html.provenance(Provenance.of("eval report", inputs));
    html.write(out);
    PrintWriter w = spec.commandLine().getOut();
    w.println("report: " + out);
    w.flush();
    return 0;
  }

  /** Top-level numbers and strings of a JSON report, with one level of nested objects flattened (mean.psnr). */
  static Map<String, Object> numbers(Path file) {
    JsonObject o;
    try {
      o = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw new BadInputException("--metrics " + file + ": not a JSON object (" + e.getMessage() + ")");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      if (e.getKey().equals("provenance")) {
        continue;
      }
      if (e.getValue().isJsonObject()) {
        for (Map.Entry<String, JsonElement> inner : e.getValue().getAsJsonObject().entrySet()) {
          scalar(inner.getValue(), e.getKey() + "." + inner.getKey(), out);
        }
      } else {
        scalar(e.getValue(), e.getKey(), out);
      }
    }
    return out;
  }

  private static void scalar(JsonElement v, String key, Map<String, Object> out) {
    if (v.isJsonPrimitive()) {
      out.put(key, v.getAsJsonPrimitive().isNumber() ? (Object) v.getAsDouble() : v.getAsString());
    }
  }

  private static Path newestPreview(RunDirectory run) {
    if (!Files.isDirectory(run.previewsDir())) {
      return null;
    }
    try (Stream<Path> s = Files.list(run.previewsDir())) {
      return s.filter(p -> p.toString().endsWith(".png")).max(Path::compareTo).orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String[] pair(String spec, String option) {
    int i = spec.indexOf('=');
    if (i <= 0 || i == spec.length() - 1) {
      throw new BadInputException(option + " " + spec + ": expected CAPTION=PATH");
    }
    return new String[] {spec.substring(0, i), spec.substring(i + 1)};
  }

  private static Path existing(String path, String option) {
    Path p = Path.of(path);
    if (!Files.exists(p)) {
      throw new BadInputException(option + " " + path + ": not found");
    }
    return p;
  }
}
