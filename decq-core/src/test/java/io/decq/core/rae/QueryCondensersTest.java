package io.decq.core.rae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.decq.core.io.HostTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Queries + condensers against a direct float64 evaluation of the equations in the Javadoc of {@link
 * Condenser} and {@link QueryCondensers}.
 */
class QueryCondensersTest {
  static final int B = 2;
  static final int C = 8;
  static final int Q = 3;
  static final int HEADS = 2;
  static final int MLP = 16;
  static final int PREFIX = 1;
  static final int T = 4;
  static final List<Integer> TAPS = List.of(0, 2);

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** Every parameter replaced by random values (LayerNorm scales around 1) so no term is trivial. */
  static Map<String, HostTensor> randomize(QueryCondensers block, long seed) {
    Random r = new Random(seed);
    Map<String, HostTensor> sd = new LinkedHashMap<>();
    for (Map.Entry<String, HostTensor> e : block.stateDict().entrySet()) {
      float[] v = new float[(int) e.getValue().numel()];
      boolean scale = e.getKey().contains("norm") && e.getKey().endsWith("weight");
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (scale ? 1 + 0.2 * r.nextGaussian() : 0.5 * r.nextGaussian());
      }
      sd.put(e.getKey(), HostTensor.ofFloats(e.getValue().shape(), v));
    }
    block.loadStateDict(sd, "random", null);
    return sd;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void matchesFloat64Evaluation(boolean includePrefix) {
    QueryCondensers block = new QueryCondensers(Q, C, TAPS, includePrefix, HEADS, MLP);
    block.materialize(manager, 1);
    Map<String, HostTensor> w = randomize(block, 2);
    Random r = new Random(3);
    Map<Integer, float[]> hidden = new LinkedHashMap<>();
    for (int i = 0; i <= 2; i++) {
      float[] h = new float[B * (PREFIX + T) * C];
      for (int j = 0; j < h.length; j++) {
        h[j] = (float) (2 * r.nextGaussian() + 0.5);
      }
      hidden.put(i, h);
    }
    try (NDManager step = manager.newSubManager()) {
      Map<Integer, NDArray> hs = new LinkedHashMap<>();
      hidden.forEach((i, h) -> hs.put(i, step.create(h, new Shape(B, PREFIX + T, C))));
      NDArray out = block.forward(hs, PREFIX);
      assertEquals(new Shape(B, Q, C), out.getShape());
      float[] got = out.toFloatArray();
      double maxDiff = 0;
      for (int b = 0; b < B; b++) {
        double[][] q = Ref64.tokens(w.get("query_tokens").toFloats(), 0, Q, C, 0, Q);
        for (int k = 0; k < TAPS.size(); k++) {
          String p = "condensers." + k + ".";
          double[][] ctx = Ref64.tokens(hidden.get(TAPS.get(k)), b, PREFIX + T, C, includePrefix ? 0 : PREFIX, PREFIX + T);
          double[][] a = Ref64.attention(w, p + "attn.q", p + "attn.k", p + "attn.v", p + "attn.proj",
              Ref64.layerNorm(w, p + "norm1", q, Condenser.EPS), Ref64.layerNorm(w, p + "norm_context", ctx, Condenser.EPS), HEADS);
          q = Ref64.add(q, a);
          double[][] m = Ref64.linear(w, p + "mlp.fc2",
              Ref64.gelu(Ref64.linear(w, p + "mlp.fc1", Ref64.layerNorm(w, p + "norm2", q, Condenser.EPS))));
          q = Ref64.add(q, m);
        }
        q = Ref64.layerNorm(w, null, q, Condenser.EPS);
        for (int i = 0; i < Q; i++) {
          for (int c = 0; c < C; c++) {
            maxDiff = Math.max(maxDiff, Math.abs(q[i][c] - got[(b * Q + i) * C + c]));
          }
        }
      }
      System.out.printf("condensers (prefix %s) vs float64: max abs diff %.3g%n", includePrefix, maxDiff);
      assertTrue(maxDiff < 2e-5, "max abs diff " + maxDiff);
    }
  }
}
