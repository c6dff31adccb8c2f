package io.decq.eval.recon;

import ai.djl.Device;
import com.google.gson.JsonObject;
import io.decq.core.cli.CommonOptions;
import io.decq.core.cli.Subcommand;
import io.decq.core.cli.WeightChoice;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.error.BadInputException;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.util.Provenance;
import io.decq.eval.fid.FidPreprocess;
import io.decq.eval.iq.ImageQuality;
import io.decq.eval.iq.IqReport;
import io.decq.eval.iq.PsnrDefinition;
import io.decq.eval.iq.SsimDefinition;
import io.decq.eval.report.JsonReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
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
 * {@code decq reconstruct --checkpoint DIR --images DIR --out DIR [--ema|--raw]}: reconstructions of
 * images through a trained stage-1 autoencoder ({@link TrainedAutoencoder}), written as PNGs under the
 * input names, and their mean PSNR (scikit-image's, uint8 data range 255) and SSIM (scikit-image's
 * defaults) against the inputs, printed and written to {@code DIR/summary.json}.
 */
@Command(
    name = "reconstruct",
    mixinStandardHelpOptions = true,
    description = {
      "Reconstruct images with a trained stage-1 autoencoder: encode with the frozen encoder, decode, write PNGs"
          + " (same names, .png) and summary.json; prints mean PSNR (uint8, data range 255) and SSIM (skimage)"
          + " against the inputs.",
      "Example: decq reconstruct --checkpoint runs/quickstart --images src-test-data/images/val --out runs/quickstart/recon",
      "For rFID, other PSNR / SSIM definitions and an HTML report: decq eval recon."})
public final class ReconstructCommand implements Subcommand, Callable<Integer> {
  /** The file the summary goes to, inside {@code --out}. */
  public static final String SUMMARY = "summary.json";
  static final PsnrDefinition PSNR = PsnrDefinition.UINT8;
  static final SsimDefinition SSIM = SsimDefinition.SKIMAGE;

  @Option(names = "--checkpoint", required = true, paramLabel = "DIR",
      description = "A run directory of decq train recon (its latest checkpoint) or one checkpoints/step-NNNNNNN folder.")
  Path checkpoint;

  @Option(names = "--images", required = true, paramLabel = "DIR",
      description = "A folder of images (or one image), each encoder.image_size square (256 px).")
  Path images;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the reconstructions and summary.json.")
  Path out;

  @ArgGroup(exclusive = true)
  WeightChoice weights;

  @Option(names = "--encoder", paramLabel = "PATH",
      description = "The frozen encoder, when it is no longer at the encoder.path the run recorded.")
  String encoder;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "Images per forward pass (default 8).")
  int batch;

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  /**
   * What {@link #reconstruct} did.
   *
   * @param files the reconstructions written, in input order
   * @param quality PSNR and SSIM of each reconstruction against its input, and the means
   * @param step the checkpoint's step
   * @param weights which weights were used
   * @param summary the JSON written to {@code out/summary.json}
   */
  public record Result(List<Path> files, ImageQuality.Result quality, long step, CheckpointWeights weights, JsonObject summary) {}

  @Override
  public Integer call() {
    CheckpointWeights w = WeightChoice.of(weights);
    Result r = reconstruct(checkpoint, w, encoder, images, out, batch, common.device());
    PrintWriter p = spec.commandLine().getOut();
    p.print(IqReport.table(r.quality()));
    p.printf(Locale.ROOT, "mean PSNR %.2f dB (%s), mean SSIM %.4f (%s) over %d images; checkpoint step %d, %s weights%n",
        r.quality().meanPsnr(), PSNR.cliName(), r.quality().meanSsim(), SSIM.cliName(), r.files().size(), r.step(),
        r.weights().name().toLowerCase(Locale.ROOT));
    p.println("reconstructions and " + SUMMARY + ": " + out);
    p.flush();
    return 0;
  }

  /**
   * Reconstructs every image {@code imagesArg} names (a folder's images sorted by name, or one file) into
   * {@code out}, scores them and writes the summary: {@link CheckpointReconstruction} with {@code out} as
   * the save folder and no rFID.
   *
   * @param encoderPath overrides the run's encoder.path (null: keep it)
   * @throws BadInputException for a bad checkpoint, encoder, image or output folder
   */
  public static Result reconstruct(Path checkpointArg, CheckpointWeights weights, String encoderPath, Path imagesArg, Path out,
      int batch, Device device) {
    ReconEvaluation.Options options = new ReconEvaluation.Options(PSNR, SSIM, batch, out, null, FidPreprocess.TF, 0);
    CheckpointReconstruction.Evaluated e = CheckpointReconstruction.run(checkpointArg, "--checkpoint", weights,
        encoderPath, imagesArg, null, options, device);
    ImageQuality.Result quality = e.result().quality();
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("checkpoint", e.checkpoint().dir().toString());
    inputs.put("weights", weights.name().toLowerCase(Locale.ROOT));
    inputs.put("encoder", e.encoder());
    inputs.put("images", imagesArg.toAbsolutePath().normalize().toString());
    JsonObject summary = IqReport.toJson(quality, Provenance.of("reconstruct", inputs));
    summary.addProperty("checkpoint_step", e.checkpoint().step());
    summary.addProperty("weights", weights.name().toLowerCase(Locale.ROOT));
    JsonReport.write(out.resolve(SUMMARY), summary);
    return new Result(e.result().saved(), quality, e.checkpoint().step(), weights, summary);
  }
}
