package io.decq.eval.fid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Streaming moments over uneven batches equal the two-pass mean and covariance of all rows. */
class FeatureMomentsTest {
  @Test
  void unevenBatchesGiveTheTwoPassMoments() {
    int d = 5;
    int[] sizes = {1, 3, 2, 7};
    int n = 13;
    SplittableRandom r = new SplittableRandom(7);
    float[] x = new float[n * d];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (100 + 10 * r.nextDouble()); // a large offset: a one-pass sum of squares would lose digits
    }
    FidStats s;
    try (NDManager m = NDManager.newBaseManager(); FeatureMoments moments = new FeatureMoments(m, "test")) {
      int row = 0;
      for (int b : sizes) {
        float[] part = new float[b * d];
        System.arraycopy(x, row * d, part, 0, b * d);
        try (NDManager batch = m.newSubManager()) {
          moments.add(batch.create(part, new Shape(b, d)));
        }
        row += b;
      }
      assertEquals(n, moments.count());
      s = moments.stats();
    }
    double[] mean = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        mean[j] += x[i * d + j] / (double) n;
      }
    }
    for (int a = 0; a < d; a++) {
      assertEquals(mean[a], s.mu()[a], 1e-12);
      for (int b = 0; b < d; b++) {
        double cov = 0;
        for (int i = 0; i < n; i++) {
          cov += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
        }
        assertEquals(cov / (n - 1), s.sigma()[a * d + b], 1e-11);
      }
    }
  }

  @Test
  void oneRowIsNotEnoughForACovariance() {
    try (NDManager m = NDManager.newBaseManager(); FeatureMoments moments = new FeatureMoments(m, "samples.npz (pool3)")) {
      moments.add(m.create(new float[] {1, 2, 3}, new Shape(1, 3)));
      BadInputException e = assertThrows(BadInputException.class, moments::stats);
      assertTrue(e.getMessage().contains("samples.npz (pool3): a covariance needs at least 2 images, got 1"), e.getMessage());
    }
  }
}
