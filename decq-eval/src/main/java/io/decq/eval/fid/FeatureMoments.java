package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;

/**
 * Streaming mean and covariance of feature vectors in float64 on the features' device, exact up to
 * float64 rounding (no sub-sampling, no float32 accumulation): each batch's own mean and centred
 * co-moment are merged into the running ones with Chan et al.'s pairwise update, so the result equals
 * {@code np.mean(X, 0)} and {@code np.cov(X, rowvar=False)} (divisor n - 1) of all rows seen.
 *
 * <p>Dimensions: B batch rows, D feature dimension.
 */
public final class FeatureMoments implements AutoCloseable {
  private final NDManager manager;
  private final String what;
  private long count;
  private NDArray mean; // (D) float64
  private NDArray comoment; // (D, D) float64: sum of (x - mean)(x - mean)^T

  /**
   * Moments kept in a sub-manager of {@code parent} (so on its device); {@code what} names the feature in
   * messages (e.g. {@code "pool3"}).
   */
  public FeatureMoments(NDManager parent, String what) {
    this.manager = parent.newSubManager();
    this.what = what;
  }

  /** Adds the rows of {@code batch} {@code (B, D)} (any floating dtype, any manager on the same device). */
  @SuppressWarnings("try") // the NDScope closes what the body creates
  public void add(NDArray batch) {
    Shape s = batch.getShape();
    if (s.dimension() != 2) {
      throw new IllegalArgumentException(what + ": expected a (B, D) batch, got " + s);
    }
    long rows = s.get(0);
    long dim = s.get(1);
    if (rows == 0) {
      return;
    }
    if (mean == null) {
      mean = manager.zeros(new Shape(dim), DataType.FLOAT64);
      comoment = manager.zeros(new Shape(dim, dim), DataType.FLOAT64);
    } else if (mean.getShape().get(0) != dim) {
      throw new BadInputException(what + ": feature dimension changed from " + mean.getShape().get(0) + " to " + dim);
    }
    long total = count + rows;
    try (NDScope scope = new NDScope()) {
      NDArray x = batch.toType(DataType.FLOAT64, false); // (B, D)
      NDArray batchMean = x.mean(new int[] {0}); // (D)
      NDArray centred = x.sub(batchMean); // (B, D)
      NDArray batchComoment = centred.transpose().matMul(centred); // (D, D)
      NDArray delta = batchMean.sub(mean); // (D)
      NDArray cross = delta.reshape(dim, 1).matMul(delta.reshape(1, dim)); // (D, D)
      NDArray newMean = mean.add(delta.mul((double) rows / total)); // (D)
      NDArray newComoment = comoment.add(batchComoment).addi(cross.muli((double) count * rows / total)); // (D, D)
      NDScope.unregister(newMean, newComoment);
      mean.close();
      comoment.close();
      mean = newMean;
      comoment = newComoment;
    }
    count = total;
  }

  /** Rows added so far. */
  public long count() {
    return count;
  }

  /** The mean and the covariance (divisor n - 1, symmetrised); needs at least two rows. */
  public FidStats stats() {
    if (count < 2) {
      throw new BadInputException(what + ": a covariance needs at least 2 images, got " + count);
    }
    int d = Math.toIntExact(mean.getShape().get(0));
    double[] mu = mean.toDoubleArray();
    double[] sigma = comoment.toDoubleArray();
    double norm = 1.0 / (count - 1);
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        double v = 0.5 * (sigma[i * d + j] + sigma[j * d + i]) * norm;
        sigma[i * d + j] = v;
        sigma[j * d + i] = v;
      }
    }
    return new FidStats(mu, sigma);
  }

  @Override
  public void close() {
    manager.close();
  }
}
