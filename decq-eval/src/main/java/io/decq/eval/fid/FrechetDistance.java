package io.decq.eval.fid;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_MT_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Frechet distance between two Gaussians, {@code |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2)}, in
 * float64 with symmetric decompositions only (EJML), the value of pytorch-fid's {@code
 * calculate_frechet_distance} / the ADM evaluator (scipy {@code sqrtm}) and of torch-fidelity's eigenvalue
 * formula, without their complex arithmetic.
 *
 * <p>{@code tr sqrt(S1 S2) = sum sqrt(eig(sqrt(S1) S2 sqrt(S1)))}. With any factor {@code G G^T = S1},
 * {@code G^T S2 G} has the same non-zero eigenvalues as {@code sqrt(S1) S2 sqrt(S1)} (both are similar to
 * {@code S1 S2} up to zero eigenvalues), so {@code G} is {@code S1}'s Cholesky factor when S1 is positive
 * definite (several times faster) and otherwise {@code V L^1/2} from the symmetric eigendecomposition
 * {@code S1 = V L V^T}, tiny negative eigenvalues clipped to 0 and zero directions dropped. The eigenvalues
 * of {@code G^T S2 G} (tiny negatives clipped) give the trace. The two D x D products run on libtorch's BLAS.
 *
 * <p>Dimensions: D features, K columns of G (K = D, or S1's directions with positive eigenvalue).
 */
public final class FrechetDistance {
  private FrechetDistance() {}

  /** The distance between two statistics of the same dimension. */
  public static double compute(FidStats a, FidStats b) {
    int d = a.dim();
    if (b.dim() != d) {
      throw new BadInputException("feature dimensions differ: " + d + " vs " + b.dim());
    }
    double meanTerm = 0;
    for (int i = 0; i < d; i++) {
      double diff = a.mu()[i] - b.mu()[i];
      meanTerm += diff * diff;
    }
    return meanTerm + trace(a.sigma(), d) + trace(b.sigma(), d) - 2 * traceSqrtProduct(a.sigma(), b.sigma(), d, true);
  }

  /**
   * {@code tr sqrt(S1 S2)} for symmetric positive semi-definite {@code S1}, {@code S2} (row-major D x D);
   * {@code allowCholesky = false} forces the eigendecomposition factor (tests compare the two).
   */
  static double traceSqrtProduct(double[] s1, double[] s2, int d, boolean allowCholesky) {
    Factor g = allowCholesky ? cholesky(s1, d) : null;
    if (g == null) {
      g = eigenFactor(s1, d);
    }
    int k = g.cols();
    if (k == 0) {
      return 0;
    }
    double[] product;
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      NDArray gm = m.create(g.data(), new Shape(d, k)); // (D, K)
      NDArray s2m = m.create(symmetric(s2, d).data, new Shape(d, d)); // (D, D)
      product = gm.transpose().matMul(s2m.matMul(gm)).toDoubleArray(); // (K, K): G^T S2 G
    }
    DMatrixRMaj c = new DMatrixRMaj(k, k); // (K, K) symmetrised
    for (int i = 0; i < k; i++) {
      for (int j = i; j < k; j++) {
        double x = 0.5 * (product[i * k + j] + product[j * k + i]);
        c.unsafe_set(i, j, x);
        c.unsafe_set(j, i, x);
      }
    }
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_MT_DDRM.eig(k, false, true);
    if (!eig.decompose(c)) {
      throw new IllegalStateException("the eigendecomposition of sqrt(S1) S2 sqrt(S1) did not converge");
    }
    double sum = 0;
    for (int i = 0; i < k; i++) {
      sum += Math.sqrt(Math.max(eig.getEigenvalue(i).getReal(), 0));
    }
    return sum;
  }

  /** A factor {@code G (D, K)}, row-major, with {@code G G^T = S1}. */
  private record Factor(double[] data, int cols) {}

  /** S1's lower Cholesky factor, or null when S1 is not (numerically) positive definite. */
  private static Factor cholesky(double[] s1, int d) {
    CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_MT_DDRM.chol(d, true);
    DMatrixRMaj a = symmetric(s1, d);
    if (!chol.decompose(a)) {
      return null;
    }
    DMatrixRMaj l = chol.getT(null);
    for (int i = 0; i < d; i++) {
      if (!(l.unsafe_get(i, i) > 0)) {
        return null;
      }
    }
    return new Factor(l.data, d);
  }

  /** {@code V L^1/2} over S1's eigenvectors with a positive (clipped) eigenvalue. */
  private static Factor eigenFactor(double[] s1, int d) {
    EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_MT_DDRM.eig(d, true, true);
    if (!eig.decompose(symmetric(s1, d))) {
      throw new IllegalStateException("the eigendecomposition of the first covariance did not converge");
    }
    int[] kept = new int[d];
    int k = 0;
    for (int i = 0; i < d; i++) {
      if (eig.getEigenvalue(i).getReal() > 0) {
        kept[k++] = i;
      }
    }
    double[] g = new double[d * k]; // (D, K)
    for (int c = 0; c < k; c++) {
      double root = Math.sqrt(eig.getEigenvalue(kept[c]).getReal());
      DMatrixRMaj vec = eig.getEigenVector(kept[c]); // (D, 1)
      for (int r = 0; r < d; r++) {
        g[r * k + c] = vec.data[r] * root;
      }
    }
    return new Factor(g, k);
  }

  private static double trace(double[] s, int d) {
    double t = 0;
    for (int i = 0; i < d; i++) {
      t += s[i * d + i];
    }
    return t;
  }

  /** A copy of {@code s} made exactly symmetric ((S + S^T) / 2). */
  private static DMatrixRMaj symmetric(double[] s, int d) {
    DMatrixRMaj m = new DMatrixRMaj(d, d);
    for (int i = 0; i < d; i++) {
      for (int j = i; j < d; j++) {
        double x = 0.5 * (s[i * d + j] + s[j * d + i]);
        m.unsafe_set(i, j, x);
        m.unsafe_set(j, i, x);
      }
    }
    return m;
  }
}
