package io.decq.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.decq.core.image.Images;
import io.decq.core.image.RgbImage;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link SamplePlan} batch by batch through a {@link BatchGenerator} into a {@link SampleStore}:
 * batches already in the store are skipped (an interrupted job continues), each batch's arrays live in
 * their own manager (memory is bounded by the batch size, flat over N), and progress (samples/s, NFE/s,
 * ETA) is logged.
 */
public final class SamplingJob {
  private static final Logger LOG = LoggerFactory.getLogger(SamplingJob.class);

  private SamplingJob() {}

  /**
   * What a job did.
   *
   * @param drawn samples drawn by this call (0 when the store was already complete)
   * @param seconds wall time of the drawing
   */
  public record Result(long drawn, double seconds) {
    public double samplesPerSecond() {
      return seconds > 0 ? drawn / seconds : 0;
    }
  }

  /**
   * Draws every batch of {@code plan} not yet in {@code store}, then finishes the store.
   *
   * @param manager the parent of each batch's manager (on the model's device)
   * @param nfePerSample velocity evaluations per sample (for the NFE/s figure)
   */
  public static Result run(SamplePlan plan, LabelPlan labels, BatchGenerator generator, SampleStore store,
      NDManager manager, int nfePerSample) {
    long total = plan.end() - plan.start();
    long drawn = 0;
    long t0 = System.nanoTime();
    for (SamplePlan.Batch b : plan.batches()) {
      if (b.end() <= store.next()) {
        continue;
      }
      long[] indices = new long[b.size()];
      int[] y = new int[b.size()];
      for (int k = 0; k < indices.length; k++) {
        indices[k] = b.start() + k;
        y[k] = labels.label(indices[k]);
      }
      List<RgbImage> images;
      try (NDManager m = manager.newSubManager()) {
        NDArray x = generator.generate(m, indices, y); // (B, 3, H, W)
        images = Images.fromNCHW(x);
      }
      store.append(b.start(), images, y);
      drawn += indices.length;
      double s = (System.nanoTime() - t0) / 1e9;
      long left = plan.end() - store.next();
      LOG.info(String.format(Locale.ROOT, "samples %d/%d  %.2f samples/s  %.1f NFE/s  ETA %s", store.next() - plan.start(),
          total, drawn / s, drawn * (double) nfePerSample / s, eta(left * s / drawn)));
    }
    store.finish();
    return new Result(drawn, (System.nanoTime() - t0) / 1e9);
  }

  private static String eta(double seconds) {
    long s = Math.round(seconds);
    return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
  }
}
