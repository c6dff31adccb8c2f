package io.decq.train.data;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.decq.core.config.DataConfig;
import io.decq.core.encoder.FrozenEncoder;
import io.decq.core.encoder.LatentStats;
import io.decq.core.image.ImageFolder;
import io.decq.core.nn.NoGrad;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact per-element statistics of a latent over a training folder, for the latent normalisation: every
 * image once, with the deterministic preview augmentation (data.resize, then a center crop to
 * data.image_size, no flip), decoded on the data workers, accumulated in float64 ({@link
 * LatentStats.Accumulator}, Welford; population variance). Stage 1 takes the encoder's patch latent
 * ({@link #patches}); stage 2 the trained queries' latent.
 */
@SuppressWarnings("try") // NoGrad regions are opened for their effect
public final class LatentStatistics {
  private static final Logger LOG = LoggerFactory.getLogger(LatentStatistics.class);

  private LatentStatistics() {}

  /** The statistics of the encoder's patch latent over every image of {@code folder}. */
  public static LatentStats patches(FrozenEncoder encoder, ImageFolder folder, DataConfig data, int batch) {
    return compute(images -> encoder.encode(images, Set.of()).latent(), encoder.patchTokens(), encoder.width(),
        encoder.device(), folder, data, batch, "patch latent");
  }

  /**
   * The statistics of {@code latentOf(images)} over every image of {@code folder}.
   *
   * @param latentOf images (B, 3, S, S) float32 in [0, 1] -> latents (B, T, C); run without gradients
   * @param tokens T
   * @param channels C
   * @param batch images per pass
   * @param what what the latent is, for the log
   */
  public static LatentStats compute(Function<NDArray, NDArray> latentOf, int tokens, int channels, Device device,
      ImageFolder folder, DataConfig data, int batch, String what) {
    long t0 = System.nanoTime();
    int n = folder.size();
    LatentStats.Accumulator acc = new LatentStats.Accumulator(tokens, channels);
    int perImage = tokens * channels;
    // Epoch 0 of the stream visits each image exactly once; the order does not matter for the sums.
    try (ImageLoader loader = new ImageLoader(folder, Augmentation.preview(data), batch, 0, data.numWorkers(), data.prefetch());
        NDManager manager = NDManager.newBaseManager(device);
        NoGrad ng = NoGrad.enter()) {
      for (int done = 0; done < n; done += batch) {
        HostBatch b = loader.next();
        int take = Math.min(batch, n - done);
        try (NDManager step = manager.newSubManager()) {
          NDArray images = b.images(step).toType(DataType.FLOAT32, false).div(255f); // (B, 3, S, S)
          float[] latent = latentOf.apply(images).toFloatArray(); // (B, T, C)
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
        "%s statistics [%d, %d] over the %d images of %s in %.1f s (mean |mean| %.4g, mean variance %.4g)", what,
        stats.tokens(), stats.channels(), stats.count(), folder.root(), (System.nanoTime() - t0) / 1e9, meanAbsMean, meanVar));
    return stats;
  }

  /**
   * The statistics of the query tokens (the first Q of each joint latent) over every latent of a cache, without
   * the flipped copies: what {@link #compute} gives over the cached images, up to the cache's rounding.
   */
  @SuppressWarnings("try")
  public static LatentStats cachedQueries(LatentCache cache, Device device, int batch) {
    long t0 = System.nanoTime();
    int q = cache.layout().queries();
    int tokens = cache.layout().tokens();
    int channels = cache.layout().channels();
    int bytes = cache.sampleBytes();
    LatentStats.Accumulator acc = new LatentStats.Accumulator(q, channels);
    try (NDManager manager = NDManager.newBaseManager(device); NoGrad ng = NoGrad.enter()) {
      for (int start = 0; start < cache.size(); start += batch) {
        int take = Math.min(batch, cache.size() - start);
        byte[] data = new byte[take * bytes];
        for (int k = 0; k < take; k++) {
          cache.copySample(start + k, false, data, k * bytes);
        }
        LatentBatch b = new LatentBatch(take, tokens, channels, cache.dtype(), data, new int[take], DataPosition.START);
        try (NDManager step = manager.newSubManager()) {
          acc.add(b.latents(step).get(":, :" + q + ", :").toFloatArray(), take); // (B, Q, C)
        }
      }
    }
    LatentStats stats = acc.result();
    LOG.info(String.format(Locale.ROOT, "query latent statistics [%d, %d] over the %d cached latents of %s in %.1f s", q,
        channels, stats.count(), cache.dir(), (System.nanoTime() - t0) / 1e9));
    return stats;
  }
}
