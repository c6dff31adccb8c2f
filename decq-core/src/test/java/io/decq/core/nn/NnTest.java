package io.decq.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.error.BadInputException;
import io.decq.core.io.HostTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The shared layers against direct float64 evaluations of their definitions. */
class NnTest {
  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** A tiny block with a nested, dotted child to exercise naming. */
  static final class Toy extends DecqBlock {
    final Attention attention;

    Toy() {
      attention = child("attention", new Attention(8, 6, 2, true,
          Attention.Names.separate("attention.query", "attention.key", "attention.value", "output.dense")));
      param("scale", Init.ONES, 8);
    }
  }

  @Test
  void namesFollowTheReferenceLayout() {
    Toy toy = new Toy();
    toy.materialize(manager, 1);
    List<String> names = new ArrayList<>(toy.namedParameters().keySet());
    assertEquals(List.of("scale",
        "attention.attention.query.weight", "attention.attention.query.bias",
        "attention.attention.key.weight", "attention.attention.key.bias",
        "attention.attention.value.weight", "attention.attention.value.bias",
        "attention.output.dense.weight", "attention.output.dense.bias"), names);
    assertArrayEquals(new long[] {8, 6}, toy.namedParameters().get("attention.attention.key.weight").getArray().getShape().getShape());
  }

  @Test
  void materializeIsDeterministicAndLoadRoundTrips() {
    Toy a = new Toy();
    a.materialize(manager, 7);
    Toy b = new Toy();
    b.materialize(manager, 7);
    Map<String, HostTensor> sa = a.stateDict();
    assertEquals(sa, b.stateDict());
    Toy c = new Toy();
    c.materialize(manager, 8);
    assertTrue(!sa.equals(c.stateDict()));
    c.loadStateDict(sa, "test", null);
    assertEquals(sa, c.stateDict());
  }

  @Test
  void loadReportsEveryProblemAtOnce() {
    Toy a = new Toy();
    a.materialize(manager, 1);
    Map<String, HostTensor> bad = new LinkedHashMap<>(a.stateDict());
    bad.remove("attention.attention.query.bias");
    bad.put("attention.output.dense.bias", HostTensor.ofFloats(new long[] {3}, new float[3]));
    bad.put("extra.weight", HostTensor.ofFloats(new long[] {1}, new float[1]));
    BadInputException e = assertThrows(BadInputException.class, () -> a.loadStateDict(bad, "w.safetensors", null));
    String m = e.getMessage();
    assertTrue(m.startsWith("w.safetensors: "), m);
    assertTrue(m.contains("missing keys (1): attention.attention.query.bias"), m);
    assertTrue(m.contains("attention.output.dense.bias [3] (expected [8])"), m);
    assertTrue(m.contains("unexpected keys (1): extra.weight"), m);
  }

  @Test
  void attentionMatchesDirectFormula() {
    Toy toy = new Toy();
    toy.materialize(manager, 3);
    Random r = new Random(5);
    int b = 2;
    int n = 3;
    int m = 4;
    float[] x = new float[b * n * 8];
    float[] ctx = new float[b * m * 6];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    for (int i = 0; i < ctx.length; i++) {
      ctx[i] = (float) r.nextGaussian();
    }
    try (NDManager step = manager.newSubManager()) {
      NDArray out = toy.attention.forward(step.create(x, new Shape(b, n, 8)), step.create(ctx, new Shape(b, m, 6)), null);
      float[] got = out.toFloatArray();
      Map<String, HostTensor> w = toy.stateDict();
      double[][] qw = mat(w.get("attention.attention.query.weight"), 8, 8);
      double[][] kw = mat(w.get("attention.attention.key.weight"), 8, 6);
      double[][] vw = mat(w.get("attention.attention.value.weight"), 8, 6);
      double[][] ow = mat(w.get("attention.output.dense.weight"), 8, 8);
      double[] qb = w.get("attention.attention.query.bias").toDoubles();
      double[] kb = w.get("attention.attention.key.bias").toDoubles();
      double[] vb = w.get("attention.attention.value.bias").toDoubles();
      double[] ob = w.get("attention.output.dense.bias").toDoubles();
      double maxDiff = 0;
      for (int bi = 0; bi < b; bi++) {
        double[][] q = new double[n][];
        double[][] k = new double[m][];
        double[][] v = new double[m][];
        for (int i = 0; i < n; i++) {
          q[i] = affine(qw, qb, x, (bi * n + i) * 8, 8);
        }
        for (int j = 0; j < m; j++) {
          k[j] = affine(kw, kb, ctx, (bi * m + j) * 6, 6);
          v[j] = affine(vw, vb, ctx, (bi * m + j) * 6, 6);
        }
        for (int i = 0; i < n; i++) {
          double[] concat = new double[8];
          for (int h = 0; h < 2; h++) {
            double[] s = new double[m];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
              for (int d = 0; d < 4; d++) {
                s[j] += q[i][h * 4 + d] * k[j][h * 4 + d];
              }
              s[j] /= 2.0;
              max = Math.max(max, s[j]);
            }
            double z = 0;
            for (int j = 0; j < m; j++) {
              s[j] = Math.exp(s[j] - max);
              z += s[j];
            }
            for (int j = 0; j < m; j++) {
              for (int d = 0; d < 4; d++) {
                concat[h * 4 + d] += s[j] / z * v[j][h * 4 + d];
              }
            }
          }
          for (int o = 0; o < 8; o++) {
            double e = ob[o];
            for (int c = 0; c < 8; c++) {
              e += ow[o][c] * concat[c];
            }
            maxDiff = Math.max(maxDiff, Math.abs(e - got[(bi * n + i) * 8 + o]));
          }
        }
      }
      assertTrue(maxDiff < 1e-5, "max abs diff " + maxDiff);
    }
  }

  /** Self-attention over one fused qkv projection equals separate q, k, v projections with its row blocks. */
  static final class Pair extends DecqBlock {
    final Attention fused;
    final Attention separate;

    Pair() {
      fused = child("fused", new Attention(8, 8, 2, true, Attention.Names.fused("qkv", "proj")));
      separate = child("separate", new Attention(8, 8, 2, true, Attention.Names.separate("q", "k", "v", "proj")));
    }
  }

  @Test
  void fusedQkvEqualsSeparateProjections() {
    Pair pair = new Pair();
    pair.materialize(manager, 4);
    Map<String, ai.djl.nn.Parameter> p = pair.namedParameters();
    assertArrayEquals(new long[] {24, 8}, p.get("fused.qkv.weight").getArray().getShape().getShape());
    String[] parts = {"q", "k", "v"};
    for (int i = 0; i < 3; i++) {
      DecqBlock.assign(p.get("separate." + parts[i] + ".weight").getArray(), p.get("fused.qkv.weight").getArray().get((8 * i) + ":" + (8 * i + 8)));
      DecqBlock.assign(p.get("separate." + parts[i] + ".bias").getArray(), p.get("fused.qkv.bias").getArray().get((8 * i) + ":" + (8 * i + 8)));
    }
    DecqBlock.assign(p.get("separate.proj.weight").getArray(), p.get("fused.proj.weight").getArray());
    DecqBlock.assign(p.get("separate.proj.bias").getArray(), p.get("fused.proj.bias").getArray());
    try (NDManager step = manager.newSubManager()) {
      NDArray x = step.randomNormal(new Shape(2, 5, 8));
      double diff = pair.fused.forward(x).sub(pair.separate.forward(x)).abs().max().getFloat();
      assertTrue(diff < 1e-6, "fused vs separate: " + diff);
      assertThrows(IllegalArgumentException.class, () -> pair.fused.forward(x, x, null));
    }
  }

  /**
   * The rotary hook acts on q and k, shaped (B, H, N, d), before the scores: zeroing them makes every
   * attention weight equal, so each output is {@code proj(mean over tokens of v)}.
   */
  @Test
  void rotaryHookTransformsQueriesAndKeys() {
    Pair pair = new Pair();
    pair.materialize(manager, 6);
    try (NDManager step = manager.newSubManager()) {
      NDArray x = step.randomNormal(new Shape(2, 5, 8));
      List<long[]> seen = new ArrayList<>();
      NDArray out = pair.separate.forward(x, null, t -> {
        seen.add(t.getShape().getShape());
        return t.mul(0f);
      });
      assertEquals(2, seen.size());
      assertArrayEquals(new long[] {2, 2, 5, 4}, seen.get(0));
      Map<String, HostTensor> w = pair.stateDict();
      NDArray vw = step.create(w.get("separate.v.weight").toFloats(), new Shape(8, 8));
      NDArray vb = step.create(w.get("separate.v.bias").toFloats(), new Shape(8));
      NDArray pw = step.create(w.get("separate.proj.weight").toFloats(), new Shape(8, 8));
      NDArray pb = step.create(w.get("separate.proj.bias").toFloats(), new Shape(8));
      NDArray meanV = x.matMul(vw.transpose()).add(vb).mean(new int[] {1}, true); // (B, 1, D)
      NDArray expected = meanV.matMul(pw.transpose()).add(pb).broadcast(new Shape(2, 5, 8));
      double diff = out.sub(expected).abs().max().getFloat();
      assertTrue(diff < 1e-5, "uniform attention: " + diff);
      double unrotated = pair.separate.forward(x).sub(expected).abs().max().getFloat();
      assertTrue(unrotated > 1e-3, "without the hook the attention is not uniform: " + unrotated);
    }
  }

  @Test
  void activationsAndNorms() {
    try (NDManager step = manager.newSubManager()) {
      NDArray x = step.create(new float[] {-2f, -0.5f, 0f, 1f, 3f});
      float[] gelu = Activations.gelu(x).toFloatArray();
      float[] tanh = Activations.geluTanh(x).toFloatArray();
      float[] xs = x.toFloatArray();
      for (int i = 0; i < xs.length; i++) {
        double v = xs[i];
        double exact = 0.5 * v * (1 + erf(v / Math.sqrt(2)));
        double approx = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        assertEquals(exact, gelu[i], 1e-6);
        assertEquals(approx, tanh[i], 1e-6);
      }
      // The two GELUs differ visibly at x = 1: the exact one must not be the approximation.
      assertTrue(Math.abs(gelu[3] - tanh[3]) > 1e-4);
      float[] ln = LayerNorm.normalize(step.create(new float[] {1f, 2f, 3f, 6f}), 1e-6f).toFloatArray();
      double mean = 3;
      double var = (4 + 1 + 0 + 9) / 4.0;
      assertEquals((1 - mean) / Math.sqrt(var + 1e-6), ln[0], 1e-6);
      assertEquals((6 - mean) / Math.sqrt(var + 1e-6), ln[3], 1e-6);
    }
  }

  private static double[][] mat(HostTensor t, int rows, int cols) {
    double[] v = t.toDoubles();
    double[][] out = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      System.arraycopy(v, i * cols, out[i], 0, cols);
    }
    return out;
  }

  private static double[] affine(double[][] w, double[] bias, float[] x, int off, int in) {
    double[] out = new double[w.length];
    for (int o = 0; o < w.length; o++) {
      out[o] = bias[o];
      for (int c = 0; c < in; c++) {
        out[o] += w[o][c] * x[off + c];
      }
    }
    return out;
  }

  /** erf by its Taylor series (ample for |x| <= 3). */
  private static double erf(double x) {
    double sum = 0;
    double term = x;
    for (int n = 0; n < 80; n++) {
      sum += term / (2 * n + 1);
      term *= -x * x / (n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }
}
