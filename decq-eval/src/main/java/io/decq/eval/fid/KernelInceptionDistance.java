package io.decq.eval.fid;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernel Inception Distance (Binkowski et al. 2018, "Demystifying MMD GANs"): the unbiased squared maximum
 * mean discrepancy between two feature sets under the cubic polynomial kernel, averaged over random
 * subsets, as torch-fidelity ({@code metric_kid.py}) and clean-fid ({@code kernel_distance}) compute it on
 * Inception pool3 features. Unlike FID it has an unbiased estimator, so it is usable with a few hundred or
 * thousand samples.
 *
 * <pre>
 *   k(x, y) = (x . y / D + 1)^3                                  (degree 3, gamma 1 / D, coef0 1)
 *   MMD^2_u(X, Y) = sum_{i != j} k(x_i, x_j) / (m (m - 1))
 *                 + sum_{i != j} k(y_i, y_j) / (m (m - 1))
 *                 - 2 sum_{i, j} k(x_i, y_j) / m^2
 *   KID = mean over S subsets of MMD^2_u(X_s, Y_s), std = their population standard deviation (numpy's
 *   np.std, ddof 0); X_s, Y_s: m rows of each set drawn without replacement, a fresh draw per subset
 * </pre>
 *
 * That is torch-fidelity's {@code mmd2(..., mmd_est="unbiased")}: the within-set sums drop the diagonal,
 * the cross sum keeps it (clean-fid's {@code (a.sum() - diag(a).sum()) / (m - 1) - 2 b.sum() / m}, over
 * m, is the same number). Defaults are torch-fidelity's: 100 subsets of 1000, seed 2020. With fewer
 * images, m = min(subset size, |X|, |Y|), as clean-fid does (torch-fidelity refuses instead). The estimate
 * can be negative when the sets come from the same distribution.
 *
 * <p>Differences from the references, both documented in the report: (1) kernels and sums are float64
 * here; torch-fidelity and clean-fid multiply the float32 features in float32. (2) Subsets are drawn with
 * {@link java.util.Random} seeded with the seed (one partial Fisher-Yates shuffle per set and subset, X
 * first), not numpy's {@code RandomState.choice}, so with several subsets smaller than the sets the
 * individual subsets, hence mean and std, differ from torch-fidelity's by sampling noise. With m = |X| =
 * |Y| every subset is a permutation of the whole set, the estimator is permutation invariant, and the
 * value is deterministic and equals the references' exactly (up to float rounding).
 *
 * <p>Dimensions: N rows of a feature set, m rows of a subset, D feature width.
 */
public final class KernelInceptionDistance {
  private static final Logger LOG = LoggerFactory.getLogger(KernelInceptionDistance.class);
  /** torch-fidelity's {@code kid_subsets}. */
  public static final int DEFAULT_SUBSETS = 100;
  /** torch-fidelity's {@code kid_subset_size} (clean-fid's {@code max_subset_size}). */
  public static final int DEFAULT_SUBSET_SIZE = 1000;
  /** torch-fidelity's {@code rng_seed}. */
  public static final long DEFAULT_SEED = 2020;
  /** The kernel's degree (torch-fidelity's {@code kid_degree}). */
  public static final int DEGREE = 3;
  /** The kernel's additive constant (torch-fidelity's {@code kid_coef0}). */
  public static final double COEF0 = 1;

  private KernelInceptionDistance() {}

  /**
   * @param subsets S, subsets drawn (at least 1)
   * @param subsetSize the largest m (at least 2); clamped to the smaller set
   * @param seed seed of the subset draws
   */
  public record Options(int subsets, int subsetSize, long seed) {
    public Options {
      if (subsets < 1) {
        throw new BadInputException("--kid-subsets " + subsets + ": expected at least 1 subset");
      }
      if (subsetSize < 2) {
        throw new BadInputException("--kid-subset-size " + subsetSize + ": expected at least 2 (the unbiased "
            + "estimator divides by m (m - 1))");
      }
    }

    /** torch-fidelity's defaults: 100 subsets of 1000, seed 2020. */
    public static Options defaults() {
      return new Options(DEFAULT_SUBSETS, DEFAULT_SUBSET_SIZE, DEFAULT_SEED);
    }
  }

  /**
   * @param mean KID, the mean of the subsets' MMD^2_u
   * @param std their population standard deviation
   * @param subsets S
   * @param subsetSize m actually used
   * @param seed seed of the subset draws
   */
  public record Result(double mean, double std, int subsets, int subsetSize, long seed) {}

  /**
   * KID between two row-major {@code (N, D)} feature sets, computed on {@code manager}'s device in float64.
   * Symmetric in the two sets up to which rows the subsets draw.
   */
  public static Result compute(NDManager manager, float[] x, int nx, float[] y, int ny, int dim, Options options) {
    int m = Math.min(options.subsetSize(), Math.min(nx, ny));
    if (m < 2) {
      throw new BadInputException("KID needs at least 2 images in each set, got " + nx + " and " + ny);
    }
    if (m < options.subsetSize()) {
      LOG.warn("KID: subset size {} > the smaller set ({} and {} images): using subsets of {}", options.subsetSize(),
          nx, ny, m);
    }
    Random rng = new Random(options.seed());
    int[][] rowsX = new int[options.subsets()][];
    int[][] rowsY = new int[options.subsets()][];
    for (int s = 0; s < options.subsets(); s++) {
      rowsX[s] = choice(rng, nx, m);
      rowsY[s] = choice(rng, ny, m);
    }
    double[] mmds = subsetMmds(manager, x, nx, y, ny, dim, rowsX, rowsY);
    double mean = 0;
    for (double v : mmds) {
      mean += v;
    }
    mean /= mmds.length;
    double var = 0;
    for (double v : mmds) {
      var += (v - mean) * (v - mean);
    }
    return new Result(mean, Math.sqrt(var / mmds.length), options.subsets(), m, options.seed());
  }

  /** {@code m} distinct indices below {@code n}, uniformly: the first m of a partial Fisher-Yates shuffle. */
  static int[] choice(Random rng, int n, int m) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    for (int i = 0; i < m; i++) {
      int j = i + rng.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    int[] out = new int[m];
    System.arraycopy(all, 0, out, 0, m);
    return out;
  }

  /**
   * MMD^2_u of each pair of subsets: pair s takes rows {@code rowsX[s]} of x and {@code rowsY[s]} of y
   * (equal lengths within a pair).
   */
  @SuppressWarnings("try") // the NDScope closes what the body creates
  static double[] subsetMmds(NDManager manager, float[] x, int nx, float[] y, int ny, int dim, int[][] rowsX,
      int[][] rowsY) {
    double[] out = new double[rowsX.length];
    try (NDManager sub = manager.newSubManager()) {
      NDArray fx = sub.create(x, new Shape(nx, dim)).toType(DataType.FLOAT64, false); // (Nx, D)
      NDArray fy = sub.create(y, new Shape(ny, dim)).toType(DataType.FLOAT64, false); // (Ny, D)
      for (int s = 0; s < rowsX.length; s++) {
        if (rowsX[s].length != rowsY[s].length) {
          throw new IllegalArgumentException("subset " + s + ": " + rowsX[s].length + " vs " + rowsY[s].length + " rows");
        }
        try (NDScope scope = new NDScope()) {
          NDArray xs = fx.get(sub.create(toLong(rowsX[s]))); // (m, D)
          NDArray ys = fy.get(sub.create(toLong(rowsY[s]))); // (m, D)
          out[s] = mmd2Unbiased(xs, ys);
        }
      }
    }
    return out;
  }

  /** torch-fidelity's {@code mmd2(K_XX, K_XY, K_YY)}, unbiased, for two float64 {@code (m, D)} subsets. */
  static double mmd2Unbiased(NDArray x, NDArray y) {
    double m = x.getShape().get(0);
    NDArray kxx = kernel(x, x); // (m, m)
    NDArray kyy = kernel(y, y); // (m, m)
    NDArray kxy = kernel(x, y); // (m, m)
    double offXX = kxx.sum().getDouble() - trace(kxx);
    double offYY = kyy.sum().getDouble() - trace(kyy);
    double cross = kxy.sum().getDouble();
    return (offXX + offYY) / (m * (m - 1)) - 2 * cross / (m * m);
  }

  /** The sum of a square matrix's diagonal: every (m + 1)-th element of the flattened matrix. */
  private static double trace(NDArray square) {
    return square.flatten().get("::" + (square.getShape().get(0) + 1)).sum().getDouble();
  }

  /** {@code (a b^T / D + coef0)^degree}: (m, D), (n, D) -> (m, n). */
  private static NDArray kernel(NDArray a, NDArray b) {
    double d = a.getShape().get(1);
    return a.matMul(b.transpose()).div(d).add(COEF0).pow(DEGREE); // (m, n)
  }

  private static long[] toLong(int[] rows) {
    long[] out = new long[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = rows[i];
    }
    return out;
  }
}
