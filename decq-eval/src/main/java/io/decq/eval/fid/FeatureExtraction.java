package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.image.RgbImage;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs images through preprocessing and the FID network in batches, streaming pool3 and spatial features
 * into float64 moments and, on request, keeping pool3 (precision/recall) and the unbiased logits
 * (Inception Score) in host memory. Each batch's native memory lives in its own sub-manager, closed
 * before the next batch. {@link #run} reads a whole {@link ImageSource}; an {@link Accumulator} takes
 * batches a caller produces itself (e.g. reconstructions, for rFID).
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
    long start = System.nanoTime();
    try (Accumulator acc = new Accumulator(net, options, images.path().toString(), images.size())) {
      for (List<RgbImage> batch = images.next(options.batchSize()); !batch.isEmpty();
          batch = images.next(options.batchSize())) {
        acc.add(batch);
      }
      return acc.result((System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * Features of images added in batches of any size (each is cut into forwards of at most {@code
   * batchSize}). Close it to free the running moments.
   */
  public static final class Accumulator implements AutoCloseable {
    private final FidInception net;
    private final Options options;
    private final String what;
    private final int expected;
    private final FeatureMoments poolMoments;
    private final FeatureMoments spatialMoments;
    private float[] pool3;
    private float[] logits;
    private int count;
    private long nanos;
    private long lastLog = System.nanoTime();

    /**
     * @param what names the images in log lines and messages
     * @param expected how many images will come (for progress lines and the first allocation of kept
     *     features; more may come)
     */
    public Accumulator(FidInception net, Options options, String what, int expected) {
      this.net = net;
      this.options = options;
      this.what = what;
      this.expected = expected;
      pool3 = options.keepPool3() ? new float[Math.multiplyExact(Math.max(expected, 1), FidInception.POOL_DIM)] : null;
      logits = options.keepLogits() ? new float[Math.multiplyExact(Math.max(expected, 1), FidInception.NUM_CLASSES)] : null;
      poolMoments = new FeatureMoments(net.manager(), what + " (pool3)");
      spatialMoments = new FeatureMoments(net.manager(), what + " (spatial)");
    }

    /** Adds the features of {@code images} (any sizes). */
    public void add(List<RgbImage> images) {
      long start = System.nanoTime();
      for (int from = 0; from < images.size(); from += options.batchSize()) {
        List<RgbImage> batch = images.subList(from, Math.min(images.size(), from + options.batchSize()));
        try (NDManager m = net.manager().newSubManager()) {
          NDArray input = options.preprocess().batch(m, batch); // (B, 3, 299, 299)
          InceptionFeatures f = net.features(input);
          poolMoments.add(f.pool3());
          spatialMoments.add(f.spatial());
          if (pool3 != null) {
            pool3 = fit(pool3, (count + batch.size()) * FidInception.POOL_DIM);
            System.arraycopy(f.pool3().toFloatArray(), 0, pool3, count * FidInception.POOL_DIM, batch.size() * FidInception.POOL_DIM);
          }
          if (logits != null) {
            logits = fit(logits, (count + batch.size()) * FidInception.NUM_CLASSES);
            System.arraycopy(f.logitsUnbiased().toFloatArray(), 0, logits, count * FidInception.NUM_CLASSES,
                batch.size() * FidInception.NUM_CLASSES);
          }
        }
        count += batch.size();
      }
      long now = System.nanoTime();
      nanos += now - start;
      if (now - lastLog > LOG_EVERY_NANOS) {
        LOG.info(String.format(Locale.ROOT, "%s: %d/%d images, %.2f images/s", what, count, expected, count / (nanos / 1e9)));
        lastLog = now;
      }
    }

    /** Images added so far. */
    public int count() {
      return count;
    }

    /**
     * The statistics (at least 2 images) and kept features so far; {@link Result#seconds()} is the time
     * spent in {@link #add}.
     */
    public Result result() {
      return result(nanos / 1e9);
    }

    private Result result(double seconds) {
      LOG.info(String.format(Locale.ROOT, "%s: %d images in %.1f s (%.2f images/s)", what, count, seconds, count / seconds));
      return new Result(count, poolMoments.stats(), spatialMoments.stats(),
          trim(pool3, count * FidInception.POOL_DIM), trim(logits, count * FidInception.NUM_CLASSES), seconds);
    }

    private static float[] trim(float[] a, int length) {
      return a == null || a.length == length ? a : Arrays.copyOf(a, length);
    }

    private static float[] fit(float[] a, int needed) {
      return a.length >= needed ? a : Arrays.copyOf(a, Math.max(needed, 2 * a.length));
    }

    @Override
    public void close() {
      poolMoments.close();
      spatialMoments.close();
    }
  }
}
