package io.decq.eval.fid;

import io.decq.core.error.BadInputException;

/**
 * The Inception Score, {@code exp(E_x KL(p(y|x) || p(y)))}, over {@code splits} contiguous equal splits
 * (split i = rows {@code [i N / splits, (i + 1) N / splits)}), in float64: {@code p(y|x)} is the softmax of
 * the 1008 unbiased logits {@code pool3 . fc.weight^T} (what the ADM evaluator's and torch-fidelity's IS
 * use), {@code p(y)} the split's mean. Reports the mean and the population standard deviation over splits.
 * Equal to the ADM evaluator (splits of 5000) for its 50,000-sample batches, and to torch-fidelity with
 * {@code samples_shuffle=False}.
 *
 * @param mean mean score over the splits
 * @param std standard deviation over the splits (divisor splits, as {@code np.std})
 * @param splits number of splits
 */
public record InceptionScore(double mean, double std, int splits) {
  public static final int DEFAULT_SPLITS = 10;

  /** The score of {@code n} rows of {@code classes} logits (row-major). */
  public static InceptionScore compute(float[] logits, int n, int classes, int splits) {
    if (n < splits) {
      throw new BadInputException("the Inception Score over " + splits + " splits needs at least " + splits
          + " samples, got " + n);
    }
    double[] scores = new double[splits];
    double[] p = new double[classes];
    double[] logP = new double[classes];
    for (int s = 0; s < splits; s++) {
      int start = (int) ((long) s * n / splits);
      int end = (int) ((long) (s + 1) * n / splits);
      int rows = end - start;
      double[] marginal = new double[classes];
      double plogp = 0; // sum over rows and classes of p log p
      for (int r = start; r < end; r++) {
        softmax(logits, r * classes, classes, p, logP);
        for (int c = 0; c < classes; c++) {
          marginal[c] += p[c];
          plogp += p[c] * logP[c];
        }
      }
      // sum_x sum_y p log(p / q) = sum p log p - sum_y (sum_x p) log q, with q = marginal / rows
      double cross = 0;
      for (int c = 0; c < classes; c++) {
        if (marginal[c] > 0) {
          cross += marginal[c] * Math.log(marginal[c] / rows);
        }
      }
      scores[s] = Math.exp((plogp - cross) / rows);
    }
    double mean = 0;
    for (double v : scores) {
      mean += v;
    }
    mean /= splits;
    double var = 0;
    for (double v : scores) {
      var += (v - mean) * (v - mean);
    }
    return new InceptionScore(mean, Math.sqrt(var / splits), splits);
  }

  /** Softmax and log-softmax of one row, in float64, max-shifted. */
  private static void softmax(float[] logits, int offset, int classes, double[] p, double[] logP) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      max = Math.max(max, logits[offset + c]);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.exp(logits[offset + c] - max);
    }
    double logSum = Math.log(sum);
    for (int c = 0; c < classes; c++) {
      logP[c] = logits[offset + c] - max - logSum;
      p[c] = Math.exp(logP[c]);
    }
  }
}
