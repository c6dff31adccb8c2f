package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;

/**
 * Improved precision and recall (Kynkaanniemi et al. 2019) as the ADM evaluator's {@code ManifoldEstimator}
 * computes them on Inception pool3 features: each set's manifold is the union of balls around its points
 * whose squared radius is the squared distance to the k-th nearest neighbour (k = 3; the point itself counts
 * as the 0th); precision = fraction of samples inside the reference manifold, recall = fraction of
 * reference points inside the sample manifold (a point is inside when {@code d^2 <= r^2} for some ball).
 *
 * <p>Squared distances are {@code max(|u|^2 - 2 u.v + |v|^2, 0)} over blocks of 10,000 x 10,000 points.
 * With {@code halfPrecision} (the default, as ADM's TensorFlow graph) the features and every intermediate
 * ({@code |u|^2}, {@code u.v}, {@code 2 u.v}, the two sums) are rounded to float16, sums and products
 * accumulated in float32; a block that overflows float16 is recomputed in float32, as ADM does.
 *
 * <p>Dimensions: R rows (first set) and C columns (second set) of one block, D features.
 */
public final class PrecisionRecall {
  /** ADM's {@code nhood_sizes=(3,)}. */
  public static final int NEIGHBOURS = 3;
  /** ADM's {@code row_batch_size} and {@code col_batch_size}. */
  static final int BLOCK = 10_000;

  private PrecisionRecall() {}

  /**
   * @param precision fraction of samples inside the reference manifold
   * @param recall fraction of reference points inside the sample manifold
   */
  public record Result(double precision, double recall) {}

  /**
   * Precision and recall of {@code samples} against {@code reference}, both row-major {@code (N, D)}
   * float32 feature sets, computed on {@code manager}'s device.
   */
  @SuppressWarnings("try") // the NDScope closes what the body creates
  public static Result compute(NDManager manager, float[] reference, int nRef, float[] samples, int nSamples, int dim,
      boolean halfPrecision) {
    if (nRef <= NEIGHBOURS || nSamples <= NEIGHBOURS) {
      throw new BadInputException("precision/recall needs more than " + NEIGHBOURS + " reference images and samples "
          + "(k = " + NEIGHBOURS + " nearest neighbours), got " + nRef + " and " + nSamples);
    }
    try (NDManager m = manager.newSubManager()) {
      NDArray ref = m.create(reference, new Shape(nRef, dim)); // (Nr, D)
      NDArray sam = m.create(samples, new Shape(nSamples, dim)); // (Ns, D)
      float[] refRadii = radii(ref, halfPrecision); // (Nr)
      float[] samRadii = radii(sam, halfPrecision); // (Ns)
      NDArray refR = m.create(refRadii, new Shape(nRef, 1)); // (Nr, 1)
      NDArray samR = m.create(samRadii, new Shape(1, nSamples)); // (1, Ns)
      boolean[] refIn = new boolean[nRef];
      boolean[] samIn = new boolean[nSamples];
      for (int r0 = 0; r0 < nRef; r0 += BLOCK) {
        int r1 = Math.min(r0 + BLOCK, nRef);
        for (int c0 = 0; c0 < nSamples; c0 += BLOCK) {
          int c1 = Math.min(c0 + BLOCK, nSamples);
          try (NDScope scope = new NDScope()) {
            NDArray d = distances(ref.get(r0 + ":" + r1), sam.get(c0 + ":" + c1), halfPrecision); // (R, C)
            boolean[] rowsIn = anyTrue(d.lte(samR.get(":, " + c0 + ":" + c1)), 1); // (R): ref inside a sample ball
            boolean[] colsIn = anyTrue(d.lte(refR.get(r0 + ":" + r1)), 0); // (C): sample inside a ref ball
            for (int i = 0; i < rowsIn.length; i++) {
              refIn[r0 + i] |= rowsIn[i];
            }
            for (int j = 0; j < colsIn.length; j++) {
              samIn[c0 + j] |= colsIn[j];
            }
          }
        }
      }
      return new Result(fraction(samIn), fraction(refIn));
    }
  }

  /** Squared distance of each point to its k-th nearest neighbour within the set (itself included as 0th). */
  @SuppressWarnings("try") // the NDScope closes what the body creates
  static float[] radii(NDArray features, boolean halfPrecision) {
    int n = Math.toIntExact(features.getShape().get(0));
    float[] out = new float[n];
    for (int r0 = 0; r0 < n; r0 += BLOCK) {
      int r1 = Math.min(r0 + BLOCK, n);
      NDArray best = null; // (R, <= k+1): the smallest squared distances so far, ascending
      for (int c0 = 0; c0 < n; c0 += BLOCK) {
        int c1 = Math.min(c0 + BLOCK, n);
        NDArray next;
        try (NDScope scope = new NDScope()) {
          NDArray d = distances(features.get(r0 + ":" + r1), features.get(c0 + ":" + c1), halfPrecision); // (R, C)
          NDArray candidates = best == null ? d : NDArrays.concat(new NDList(best, d), 1);
          int keep = (int) Math.min(NEIGHBOURS + 1, candidates.getShape().get(1));
          next = candidates.topK(keep, 1, false, true).get(0); // (R, keep)
          NDScope.unregister(next);
        }
        if (best != null) {
          best.close();
        }
        best = next;
      }
      try (NDArray kth = best.get(":, " + NEIGHBOURS)) { // (R)
        System.arraycopy(kth.toFloatArray(), 0, out, r0, r1 - r0);
      }
      best.close();
    }
    return out;
  }

  /** Pairwise squared distances {@code (R, C)} float32, clamped at 0 (see the class comment). */
  static NDArray distances(NDArray u, NDArray v, boolean halfPrecision) {
    if (halfPrecision) {
      NDArray u16 = half(u); // (R, D)
      NDArray v16 = half(v); // (C, D)
      NDArray nu = half(half(u16.square()).sum(new int[] {1})).reshape(-1, 1); // (R, 1)
      NDArray nv = half(half(v16.square()).sum(new int[] {1})).reshape(1, -1); // (1, C)
      NDArray twoDot = half(half(u16.matMul(v16.transpose())).mul(2f)); // (R, C)
      NDArray d = half(half(nu.sub(twoDot)).add(nv)).maximum(0f); // (R, C)
      if (d.isInfinite().any().getBoolean() || d.isNaN().any().getBoolean()) {
        return distances(u, v, false);
      }
      return d;
    }
    NDArray nu = u.square().sum(new int[] {1}).reshape(-1, 1); // (R, 1)
    NDArray nv = v.square().sum(new int[] {1}).reshape(1, -1); // (1, C)
    return nu.sub(u.matMul(v.transpose()).mul(2f)).add(nv).maximum(0f); // (R, C)
  }

  /** Rounds float32 values to the nearest float16 (kept as float32). */
  private static NDArray half(NDArray x) {
    return x.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
  }

  private static boolean[] anyTrue(NDArray mask, int axis) {
    byte[] hits = mask.toType(DataType.INT32, false).max(new int[] {axis}).toType(DataType.INT8, false).toByteArray();
    boolean[] out = new boolean[hits.length];
    for (int i = 0; i < hits.length; i++) {
      out[i] = hits[i] != 0;
    }
    return out;
  }

  private static double fraction(boolean[] in) {
    int k = 0;
    for (boolean b : in) {
      k += b ? 1 : 0;
    }
    return (double) k / in.length;
  }
}
