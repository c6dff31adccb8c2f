package io.decq.eval.recon;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.WeightChoice;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.util.Provenance;
import io.decq.eval.fid.FidInception;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.iq.IqCommand;
import io.decq.eval.iq.IqReport;
import io.decq.eval.iq.PsnrDefinition;
import io.decq.eval.iq.SsimDefinition;
import io.decq.eval.report.JsonReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code decq eval recon --ae CHECKPOINT --images DIR [--inception W] [--ssim D] [--psnr D] [--ema|--raw]
 * [--batch N] [--out report.json] [--html report.html] [--save-recon DIR]}: reconstruction quality of a
 * trained stage-1 autoencoder: PSNR and SSIM per image and mean, and rFID with {@code --inception}.
 */
@Command(
    name = "recon",
    mixinStandardHelpOptions = true,
    description = {
      "Reconstruction quality of a trained stage-1 autoencoder on a folder of images: PSNR and SSIM of every "
          + "reconstruction (rounded to 8 bits) against its input, their means, and with --inception the rFID (Frechet "
          + "distance between the Inception statistics of the inputs and of the reconstructions). Prints a table; --out "
          + "writes JSON, --html a self-contained page (metrics, input | reconstruction of the worst pairs, the run's "
          + "training curves).",
      "Example: decq eval recon --ae runs/quickstart --images src-test-data/images/val --html runs/quickstart/recon.html"})
public final class EvalReconCommand implements Callable<Integer> {
  @Option(names = "--ae", required = true, paramLabel = "CHECKPOINT",
      description = "A run directory of decq train recon (its latest checkpoint) or one checkpoints/step-NNNNNNN folder.")
  Path ae;

  @Option(names = "--images", required = true, paramLabel = "DIR",
      description = "A folder of images (or one image), each encoder.image_size square (256 px).")
  Path images;

  @Option(names = "--inception", paramLabel = "W",
      description = "FID Inception weights (pytorch-fid's pt_inception-2015-12-05-6726825d.pth or a .safetensors with its "
          + "keys), or random[:SEED] (seeded random weights, a pipeline check): also compute rFID (needs at least 2 images).")
  Path inception;

  @Option(names = "--preprocess", defaultValue = "tf", paramLabel = "tf|torch",
      description = "rFID preprocessing: tf (default; TF1 bilinear resize, as the ADM evaluator) or torch (pytorch-fid).")
  String preprocess;

  @Option(names = "--ssim", paramLabel = "DEF", defaultValue = "skimage", converter = IqCommand.SsimConverter.class,
      description = "SSIM definition: skimage (default), gaussian (Wang et al.) or torchmetrics (what RAE reports).")
  SsimDefinition ssim;

  @Option(names = "--psnr", paramLabel = "DEF", defaultValue = "uint8", converter = IqCommand.PsnrConverter.class,
      description = "PSNR definition: uint8 (default; data range 255) or rae (RAE's float32 on [0, 1]).")
  PsnrDefinition psnr;

  @ArgGroup(exclusive = true)
  WeightChoice weights;

  @Option(names = "--encoder", paramLabel = "PATH",
      description = "The frozen encoder, when it is no longer at the encoder.path the run recorded.")
  String encoder;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "8",
      description = "Images per autoencoder and Inception forward (default 8).")
  int batch;

  @Option(names = "--out", paramLabel = "report.json", description = "Write the JSON report here.")
  Path out;

  @Option(names = "--html", paramLabel = "report.html", description = "Write a self-contained HTML report here.")
  Path html;

  @Option(names = "--save-recon", paramLabel = "DIR", description = "Also write the reconstructions here as NAME.png.")
  Path saveRecon;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  /** What {@link #run} produced: the evaluation and the JSON report (also written if asked for). */
  public record Outcome(CheckpointReconstruction.Evaluated evaluated, JsonObject json) {}

  @Override
  public Integer call() {
    CheckpointWeights w = WeightChoice.of(weights);
    FidPreprocess pre = FidPreprocess.parse(preprocess);
    ReconEvaluation.Options options = new ReconEvaluation.Options(psnr, ssim, batch, saveRecon, null, pre,
        IqReport.SHOWN_PAIRS);
    Outcome o = run(ae, w, encoder, images, inception, options, common.device(), out, html);
    ReconEvaluation.Result r = o.evaluated().result();
    PrintWriter p = spec.commandLine().getOut();
    p.print(IqReport.table(r.quality()));
    p.printf(Locale.ROOT, "rFID: %s%n", r.rfid() == null ? "n/a (pass --inception W)" : String.format(Locale.ROOT, "%.6f", r.rfid()));
    p.printf(Locale.ROOT, "%d images, %.2f images/s; checkpoint step %d, %s weights%n", r.quality().perImage().size(),
        r.imagesPerSecond(), o.evaluated().checkpoint().step(), w.name().toLowerCase(Locale.ROOT));
    if (saveRecon != null) {
      p.println("reconstructions: " + saveRecon);
    }
    if (out != null) {
      p.println("JSON report: " + out);
    }
    if (html != null) {
      p.println("HTML report: " + html);
    }
    p.flush();
    return 0;
  }

  /**
   * Evaluates the checkpoint's autoencoder on {@code images} and writes the reports that are asked for
   * ({@code out}, {@code html} may be null).
   *
   * @param inceptionWeights FID Inception weights for rFID, or null
   */
  public static Outcome run(Path checkpoint, CheckpointWeights weights, String encoderPath, Path images, Path inceptionWeights,
      ReconEvaluation.Options options, Device device, Path out, Path html) {
    CheckpointReconstruction.Evaluated e = CheckpointReconstruction.run(checkpoint, "--ae", weights, encoderPath, images,
        inceptionWeights, options, device);
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("ae", e.checkpoint().dir().toString());
    inputs.put("weights", weights.name().toLowerCase(Locale.ROOT));
    inputs.put("encoder", e.encoder());
    inputs.put("images", images.toAbsolutePath().normalize().toString());
    inputs.put("psnr", options.psnr().cliName());
    inputs.put("ssim", options.ssim().cliName());
    if (inceptionWeights != null) {
      inputs.put("inception", FidInception.isRandom(inceptionWeights) ? inceptionWeights + " (random-weight FID-Inception:"
          + " a pipeline check, not a quality number)" : inceptionWeights.toAbsolutePath().normalize().toString());
      inputs.put("preprocess", options.preprocess().id());
    }
    JsonObject provenance = Provenance.of("eval recon", inputs);
    JsonObject json = ReconReport.toJson(e.result(), options.preprocess().id(), e.about(), provenance);
    if (out != null) {
      JsonReport.write(out, json);
    }
    if (html != null) {
      ReconReport.toHtml(e.result(), options.preprocess().id(), e.about(), e.checkpoint().dir(), provenance).write(html);
    }
    return new Outcome(e, json);
  }
}
