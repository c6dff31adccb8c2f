package io.decq.core.rae;

import io.decq.core.io.HostTensor;
import java.util.Map;

/** Direct float64 evaluations of the layers' definitions, for tests. Tokens are double[n][width]. */
final class Ref64 {
  private Ref64() {}

  static double[][] linear(Map<String, HostTensor> w, String name, double[][] x) {
    HostTensor wt = w.get(name + ".weight");
    int out = (int) wt.shape()[0];
    int in = (int) wt.shape()[1];
    double[] wv = wt.toDoubles();
    double[] bv = w.get(name + ".bias").toDoubles();
    double[][] y = new double[x.length][out];
    for (int n = 0; n < x.length; n++) {
      for (int o = 0; o < out; o++) {
        double s = bv[o];
        for (int i = 0; i < in; i++) {
          s += wv[o * in + i] * x[n][i];
        }
        y[n][o] = s;
      }
    }
    return y;
  }

  /** LayerNorm over the last axis; {@code name == null}: no affine. */
  static double[][] layerNorm(Map<String, HostTensor> w, String name, double[][] x, double eps) {
    double[] g = name == null ? null : w.get(name + ".weight").toDoubles();
    double[] b = name == null ? null : w.get(name + ".bias").toDoubles();
    double[][] y = new double[x.length][];
    for (int n = 0; n < x.length; n++) {
      int d = x[n].length;
      double mean = 0;
      for (double v : x[n]) {
        mean += v / d;
      }
      double var = 0;
      for (double v : x[n]) {
        var += (v - mean) * (v - mean) / d;
      }
      y[n] = new double[d];
      for (int i = 0; i < d; i++) {
        double v = (x[n][i] - mean) / Math.sqrt(var + eps);
        y[n][i] = g == null ? v : v * g[i] + b[i];
      }
    }
    return y;
  }

  /** Multi-head attention of x over ctx with projections {@code prefix + q/k/v/out}. */
  static double[][] attention(Map<String, HostTensor> w, String q, String k, String v, String out, double[][] x,
      double[][] ctx, int heads) {
    double[][] qs = linear(w, q, x);
    double[][] ks = linear(w, k, ctx);
    double[][] vs = linear(w, v, ctx);
    int d = qs[0].length;
    int hd = d / heads;
    double[][] concat = new double[x.length][d];
    for (int i = 0; i < x.length; i++) {
      for (int h = 0; h < heads; h++) {
        double[] s = new double[ctx.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < ctx.length; j++) {
          for (int e = 0; e < hd; e++) {
            s[j] += qs[i][h * hd + e] * ks[j][h * hd + e];
          }
          s[j] /= Math.sqrt(hd);
          max = Math.max(max, s[j]);
        }
        double z = 0;
        for (int j = 0; j < ctx.length; j++) {
          s[j] = Math.exp(s[j] - max);
          z += s[j];
        }
        for (int j = 0; j < ctx.length; j++) {
          for (int e = 0; e < hd; e++) {
            concat[i][h * hd + e] += s[j] / z * vs[j][h * hd + e];
          }
        }
      }
    }
    return linear(w, out, concat);
  }

  static double[][] gelu(double[][] x) {
    double[][] y = new double[x.length][];
    for (int n = 0; n < x.length; n++) {
      y[n] = new double[x[n].length];
      for (int i = 0; i < x[n].length; i++) {
        y[n][i] = 0.5 * x[n][i] * (1 + erf(x[n][i] / Math.sqrt(2)));
      }
    }
    return y;
  }

  static double[][] add(double[][] a, double[][] b) {
    double[][] y = new double[a.length][];
    for (int n = 0; n < a.length; n++) {
      y[n] = new double[a[n].length];
      for (int i = 0; i < a[n].length; i++) {
        y[n][i] = a[n][i] + b[n][i];
      }
    }
    return y;
  }

  /** Rows {@code from..to-1} of image {@code b} of a row-major (B, N, D) array. */
  static double[][] tokens(float[] data, int b, int n, int d, int from, int to) {
    double[][] y = new double[to - from][d];
    for (int t = from; t < to; t++) {
      for (int i = 0; i < d; i++) {
        y[t - from][i] = data[(b * n + t) * d + i];
      }
    }
    return y;
  }

  /** erf by its Taylor series (accurate to ~1e-15 for |x| <= 3, adequate to 1e-9 up to |x| = 5). */
  static double erf(double x) {
    if (Math.abs(x) > 5) {
      return Math.signum(x);
    }
    double sum = 0;
    double term = x;
    for (int n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }
}
