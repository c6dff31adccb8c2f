package io.decq.eval.recon;

import ai.djl.Device;
import io.decq.core.config.CheckpointWeights;
import io.decq.core.encoder.ImageBatches;
import io.decq.core.rae.TrainedAutoencoder;
import io.decq.core.run.Checkpoint;
import io.decq.eval.fid.FidInception;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A stage-1 checkpoint's autoencoder ({@link TrainedAutoencoder}) run through {@link ReconEvaluation}: what
 * {@code decq reconstruct} and {@code decq eval recon} share. Checks the images (names, count for rFID)
 * and loads the networks before any work, the FID network first (a bad weights file fails before the
 * autoencoder loads).
 */
public final class CheckpointReconstruction {
  private CheckpointReconstruction() {}

  /**
   * @param result the scores, rFID, worst pairs and saved files
   * @param checkpoint the checkpoint the weights came from
   * @param weights which of its weights
   * @param encoder the frozen encoder's path as loaded
   */
  public record Evaluated(ReconEvaluation.Result result, Checkpoint checkpoint, CheckpointWeights weights, String encoder) {
    /** {@code checkpoint}, {@code checkpoint_step}, {@code weights}, {@code encoder}: for reports. */
    public Map<String, Object> about() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("checkpoint", checkpoint.dir().toString());
      m.put("checkpoint_step", checkpoint.step());
      m.put("weights", weights.name().toLowerCase(Locale.ROOT));
      m.put("encoder", encoder);
      return m;
    }
  }

  /**
   * Evaluates the autoencoder of the checkpoint {@code checkpointArg} names on the images {@code imagesArg}
   * names (a folder's images sorted by name, or one file).
   *
   * @param option the command's option naming the checkpoint, for messages ({@code --checkpoint}, {@code --ae})
   * @param encoderPath overrides the run's encoder.path (null: keep it)
   * @param inceptionWeights FID Inception weights for rFID, or null for none ({@code options.inception()} is ignored)
   */
  public static Evaluated run(Path checkpointArg, String option, CheckpointWeights weights, String encoderPath, Path imagesArg,
      Path inceptionWeights, ReconEvaluation.Options options, Device device) {
    List<Path> files = ImageBatches.resolve(List.of(imagesArg));
    ReconEvaluation.checkImages(files, inceptionWeights != null, options.saveDir());
    Checkpoint ckpt = Checkpoint.resolve(checkpointArg, option);
    try (FidInception net = inceptionWeights == null ? null : FidInception.load(inceptionWeights, device);
        TrainedAutoencoder ae = TrainedAutoencoder.load(ckpt, weights, encoderPath, device)) {
      ReconEvaluation.Result r = ReconEvaluation.run(Reconstructor.of(ae.imageSize(), ae::reconstruct), files,
          options.withInception(net));
      return new Evaluated(r, ckpt, weights, ae.config().encoder().path());
    }
  }
}
