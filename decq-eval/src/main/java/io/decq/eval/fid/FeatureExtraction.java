package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.image.RgbImage;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every image of a source through preprocessing and the FID network in batches, streaming pool3 and
 * spatial features into float64 moments and, on request, keeping pool3 (precision/recall) and the
 * unbiased logits (Inception Score) in host memory. Each batch's native memory lives in its own
 * sub-manager, closed before the next batch.
 */
public final class FeatureExtraction {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureExtraction.class);
  private static final long LOG_EVERY_NANOS = 10_000_000_000L;

  private FeatureExtraction() {}

  /**
   * @param preprocess how images become the network input
   * @param batchSize images per forward
   * @param keepPool3 keep every pool3 vector ({@link Result#pool3()})
   * @param keepLogits keep every unbiased logit vector ({@link Result#logitsUnbiased()})
   */
  public record Options(FidPreprocess preprocess, int batchSize, boolean keepPool3, boolean keepLogits) {}

  /**
   * @param count images read
   * @param pool statistics of the 2048-d pool3 features (FID)
   * @param spatial statistics of the 2023-d spatial features (sFID)
   * @param pool3 {@code (count, 2048)} row-major, or null when not kept
   * @param logitsUnbiased {@code (count, 1008)} row-major, or null when not kept
   * @param seconds wall time of the extraction
   */
  public record Result(int count, FidStats pool, FidStats spatial, float[] pool3, float[] logitsUnbiased, double seconds) {
    public double imagesPerSecond() {
      return count / seconds;
    }
  }

  /** Extracts the features of every image of {@code images} (which stays open: the caller closes it). */
  public static Result run(FidInception net, ImageSource images, Options options) {
    int total = images.size();
    float[] pool3 = options.keepPool3() ? new float[Math.multiplyExact(total, FidInception.POOL_DIM)] : null;
    float[] logits = options.keepLogits() ? new float[Math.multiplyExact(total, FidInception.NUM_CLASSES)] : null;
    String source = images.path().toString();
    long start = System.nanoTime();
    long lastLog = start;
    int done = 0;
    try (FeatureMoments poolMoments = new FeatureMoments(net.manager(), source + " (pool3)");
        FeatureMoments spatialMoments = new FeatureMoments(net.manager(), source + " (spatial)")) {
      for (List<RgbImage> batch = images.next(options.batchSize()); !batch.isEmpty();
          batch = images.next(options.batchSize())) {
        try (NDManager m = net.manager().newSubManager()) {
          NDArray input = options.preprocess().batch(m, batch); // (B, 3, 299, 299)
          InceptionFeatures f = net.features(input);
          poolMoments.add(f.pool3());
          spatialMoments.add(f.spatial());
          if (pool3 != null) {
            System.arraycopy(f.pool3().toFloatArray(), 0, pool3, done * FidInception.POOL_DIM, batch.size() * FidInception.POOL_DIM);
          }
          if (logits != null) {
            System.arraycopy(f.logitsUnbiased().toFloatArray(), 0, logits, done * FidInception.NUM_CLASSES,
                batch.size() * FidInception.NUM_CLASSES);
          }
        }
        done += batch.size();
        long now = System.nanoTime();
        if (now - lastLog > LOG_EVERY_NANOS) {
          LOG.info(String.format(Locale.ROOT, "%s: %d/%d images, %.2f images/s", source, done, total, done / ((now - start) / 1e9)));
          lastLog = now;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      LOG.info(String.format(Locale.ROOT, "%s: %d images in %.1f s (%.2f images/s)", source, done, seconds, done / seconds));
      return new Result(done, poolMoments.stats(), spatialMoments.stats(), pool3, logits, seconds);
    }
  }
}
