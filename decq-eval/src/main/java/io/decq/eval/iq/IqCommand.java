package io.decq.eval.iq;

import com.google.gson.JsonObject;
import io.decq.eval.report.JsonReport;
import io.decq.core.util.Provenance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code decq eval iq --reference DIR --candidate DIR [--ssim D] [--psnr D] [--out report.json]
 * [--html report.html]}: PSNR and SSIM of every candidate image against the reference image of the same
 * name.
 */
@Command(
    name = "iq",
    mixinStandardHelpOptions = true,
    description = {
      "Image quality: PSNR and SSIM of candidate images against reference images paired by file name "
          + "(extension ignored; sizes must match). Prints a table; --out writes JSON, --html a self-contained page."})
public final class IqCommand implements Callable<Integer> {
  @Option(names = "--reference", required = true, paramLabel = "DIR", description = "Folder of reference (ground-truth) images.")
  Path reference;

  @Option(names = "--candidate", required = true, paramLabel = "DIR",
      description = "Folder of candidate images (reconstructions, distorted images), one per reference image.")
  Path candidate;

  @Option(names = "--ssim", paramLabel = "DEF", defaultValue = "skimage", converter = SsimConverter.class,
      description = "SSIM definition: skimage (default; scikit-image defaults, 7x7 uniform window), gaussian "
          + "(Wang et al., 11x11 Gaussian) or torchmetrics (what RAE reports).")
  SsimDefinition ssim;

  @Option(names = "--psnr", paramLabel = "DEF", defaultValue = "uint8", converter = PsnrConverter.class,
      description = "PSNR definition: uint8 (default; data range 255, float64) or rae (RAE's float32 on [0, 1]).")
  PsnrDefinition psnr;

  @Option(names = "--out", paramLabel = "report.json", description = "Write the JSON report here.")
  Path out;

  @Option(names = "--html", paramLabel = "report.html", description = "Write a self-contained HTML report here.")
  Path html;

  @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: the number of cores).")
  Integer threads;

  @Option(names = {"-v", "--verbose"}, description = "Debug logging and full stack traces on failure.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Outcome outcome = run(reference, candidate, psnr, ssim, threads == null ? Runtime.getRuntime().availableProcessors() : threads,
        out, html);
    PrintWriter w = spec.commandLine().getOut();
    w.print(IqReport.table(outcome.result()));
    if (out != null) {
      w.println("JSON report: " + out);
    }
    if (html != null) {
      w.println("HTML report: " + html);
    }
    w.flush();
    return 0;
  }

  /** What {@link #run} produced: the scores and the JSON report (also written to {@code out} if given). */
  public record Outcome(ImageQuality.Result result, JsonObject json) {}

  /** Scores the folders and writes the reports that are asked for ({@code out}, {@code html} may be null). */
  public static Outcome run(Path reference, Path candidate, PsnrDefinition psnr, SsimDefinition ssim, int threads,
      Path out, Path html) {
    List<ImageQuality.ImagePair> pairs = ImageQuality.pair(reference, candidate);
    ImageQuality.Result result = ImageQuality.evaluate(pairs, psnr, ssim, threads);
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("reference", reference.toAbsolutePath().normalize().toString());
    inputs.put("candidate", candidate.toAbsolutePath().normalize().toString());
    inputs.put("psnr", psnr.cliName());
    inputs.put("ssim", ssim.cliName());
    JsonObject provenance = Provenance.of("eval iq", inputs);
    JsonObject json = IqReport.toJson(result, provenance);
    if (out != null) {
      JsonReport.write(out, json);
    }
    if (html != null) {
      IqReport.toHtml(result, pairs, provenance).write(html);
    }
    return new Outcome(result, json);
  }

  /** Parses {@code --ssim} values ({@link SsimDefinition#parse}). */
  public static final class SsimConverter implements ITypeConverter<SsimDefinition> {
    @Override
    public SsimDefinition convert(String value) {
      try {
        return SsimDefinition.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Parses {@code --psnr} values ({@link PsnrDefinition#parse}). */
  public static final class PsnrConverter implements ITypeConverter<PsnrDefinition> {
    @Override
    public PsnrDefinition convert(String value) {
      try {
        return PsnrDefinition.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
