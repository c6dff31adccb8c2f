package io.decq.core.flow;

/**
 * The standard normal distribution's CDF {@code Phi} and its inverse in double precision, for the
 * inverse-CDF sampling of truncated logit-normal times ({@link TimeSampler}).
 *
 * <p>{@link #cdf} sums Marsaglia's Taylor series {@code Phi(x) = 1/2 + phi(x) (x + x^3/3 + x^5/(3 5) +
 * ...)} for |x| < 3 and evaluates the lower tail {@code Phi(-|x|) = phi(x) / (|x| + 1/(|x| + 2/(|x| +
 * ...)))} (Laplace's continued fraction, modified Lentz) beyond, so small tail probabilities keep their
 * relative precision. {@link #inverseCdf} starts from Acklam's rational approximation (relative error
 * below 1.15e-9) and applies Halley steps on {@code Phi(x) - p} until the correction is below 1e-15
 * relative; the result is within about 1e-14 of the exact quantile (the precision of {@link #cdf}, whose
 * series loses a few digits to the cancellation in {@code 1/2 + ...} near |x| = 3).
 */
public final class StandardNormal {
  private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);

  private static final double[] A = {
    -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
    1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  private static final double[] B = {
    -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
    6.680131188771972e+01, -1.328068155288572e+01};
  private static final double[] C = {
    -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
    -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  private static final double[] D = {
    7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  private static final double P_LOW = 0.02425;

  private StandardNormal() {}

  /** The density {@code exp(-x^2 / 2) / sqrt(2 pi)}. */
  public static double pdf(double x) {
    return Math.exp(-0.5 * x * x) / SQRT_2PI;
  }

  /** {@code Phi(x) = P(Z <= x)}, Z ~ N(0, 1). */
  public static double cdf(double x) {
    if (Double.isNaN(x)) {
      return Double.NaN;
    }
    if (Math.abs(x) < 3) {
      double sum = x;
      double term = x;
      double x2 = x * x;
      for (int k = 1; k < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
        term *= x2 / (2 * k + 1);
        sum += term;
      }
      return 0.5 + pdf(x) * sum;
    }
    double tail = lowerTail(Math.abs(x));
    return x < 0 ? tail : 1 - tail;
  }

  /** {@code Phi(-z)} for z >= 3, by the continued fraction {@code phi(z) / (z + 1/(z + 2/(z + 3/(z + ...))))}. */
  private static double lowerTail(double z) {
    if (z > 40) {
      return 0;
    }
    double tiny = 1e-300;
    double f = z;
    double c = z;
    double d = 0;
    for (int k = 1; k < 500; k++) {
      d = z + k * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = z + k / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) {
        break;
      }
    }
    return pdf(z) / f;
  }

  /**
   * The quantile {@code Phi^-1(p)}: -infinity at 0, +infinity at 1.
   *
   * @throws IllegalArgumentException if p is outside [0, 1]
   */
  public static double inverseCdf(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("probability must be in [0, 1], got " + p);
    }
    if (p == 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p == 1) {
      return Double.POSITIVE_INFINITY;
    }
    double x = acklam(p);
    for (int i = 0; i < 4; i++) {
      // Halley on f(x) = Phi(x) - p: f' = phi(x), f'' = -x phi(x); work with the smaller tail for precision.
      double e = p <= 0.5 ? cdf(x) - p : (1 - p) - cdf(-x);
      double u = e / pdf(x);
      double step = u / (1 + x * u / 2);
      x -= step;
      if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) {
        break;
      }
    }
    return x;
  }

  /** Acklam's rational approximation of {@code Phi^-1(p)}, 0 < p < 1 (relative error < 1.15e-9). */
  static double acklam(double p) {
    if (p < P_LOW) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
          / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
    if (p > 1 - P_LOW) {
      double q = Math.sqrt(-2 * Math.log1p(-p));
      return -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
          / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
        / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  }
}
