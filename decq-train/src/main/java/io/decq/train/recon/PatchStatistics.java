package io.decq.train.recon;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.decq.core.config.DataConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.encoder.LatentStats;
import io.decq.core.image.ImageFolder;
import io.decq.train.NoGrad;
import io.decq.train.data.Augmentation;
import io.decq.train.data.HostBatch;
import io.decq.train.data.ImageLoader;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-element statistics of the encoder's patch latent over a training folder, for the latent
 * normalisation when no statistics file is given: every image once, with the deterministic preview
 * augmentation (data.resize, then a center crop to data.image_size, no flip), decoded on the data
 * workers, accumulated in float64 ({@link LatentStats.Accumulator}, Welford; population variance).
 */
@SuppressWarnings("try") // NoGrad regions are opened for their effect
public final class PatchStatistics {
  private static final Logger LOG = LoggerFactory.getLogger(PatchStatistics.class);

  private PatchStatistics() {}

  /**
   * The patch statistics of every image of {@code folder}.
   *
   * @param data the augmentation settings and worker counts
   * @param batch images per encoder pass
   */
  public static LatentStats compute(FrozenEncoder encoder, ImageFolder folder, DataConfig data, int batch) {
    long t0 = System.nanoTime();
    int n = folder.size();
    LatentStats.Accumulator acc = new LatentStats.Accumulator(encoder.patchTokens(), encoder.width());
    int perImage = encoder.patchTokens() * encoder.width();
    // Epoch 0 of the stream visits each image exactly once; the order does not matter for the sums.
    try (ImageLoader loader = new ImageLoader(folder, Augmentation.preview(data), batch, 0, data.numWorkers(), data.prefetch());
        NDManager manager = NDManager.newBaseManager(encoder.device());
        NoGrad ng = NoGrad.enter()) {
      for (int done = 0; done < n; done += batch) {
        HostBatch b = loader.next();
        int take = Math.min(batch, n - done);
        try (NDManager step = manager.newSubManager()) {
          NDArray images = b.images(step).toType(DataType.FLOAT32, false).div(255f); // (B, 3, S, S)
          float[] latent = encoder.encode(images, Set.of()).latent().toFloatArray(); // (B, N, C)
          float[] used = take == b.size() ? latent : Arrays.copyOf(latent, take * perImage);
          acc.add(used, take);
        }
      }
    }
    LatentStats stats = acc.result();
    double meanAbsMean = 0;
    double meanVar = 0;
    for (int i = 0; i < stats.mean().length; i++) {
      meanAbsMean += Math.abs(stats.mean()[i]) / stats.mean().length;
      meanVar += stats.var()[i] / stats.var().length;
    }
    LOG.info(String.format(Locale.ROOT,
        "patch latent statistics [%d, %d] over the %d images of %s in %.1f s (mean |mean| %.4g, mean variance %.4g)",
        stats.tokens(), stats.channels(), stats.count(), folder.root(), (System.nanoTime() - t0) / 1e9, meanAbsMean, meanVar));
    return stats;
  }
}
