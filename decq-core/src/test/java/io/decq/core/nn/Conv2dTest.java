package io.decq.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The patch-embedding convolution against a direct float64 evaluation. */
class Conv2dTest {
  @Test
  void patchTokensAreRowMajorPatchProjections() {
    int in = 3;
    int out = 5;
    int k = 4;
    Conv2d conv = new Conv2d(in, out, k, k, true);
    try (NDManager m = NDManager.newBaseManager()) {
      conv.materialize(m, 11);
      assertEquals(List.of("weight", "bias"), List.copyOf(conv.namedParameters().keySet()));
      float[] w = conv.namedParameters().get("weight").getArray().toFloatArray();
      float[] b = conv.namedParameters().get("bias").getArray().toFloatArray();
      Random r = new Random(2);
      int h = 8;
      int wd = 12;
      float[] x = new float[2 * in * h * wd];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      NDArray tokens = conv.patchTokens(m.create(x, new Shape(2, in, h, wd)));
      int gh = h / k;
      int gw = wd / k;
      assertArrayEquals(new long[] {2, gh * gw, out}, tokens.getShape().getShape());
      float[] got = tokens.toFloatArray();
      for (int n = 0; n < 2; n++) {
        for (int py = 0; py < gh; py++) {
          for (int px = 0; px < gw; px++) {
            for (int o = 0; o < out; o++) {
              double want = b[o];
              for (int c = 0; c < in; c++) {
                for (int dy = 0; dy < k; dy++) {
                  for (int dx = 0; dx < k; dx++) {
                    want += w[((o * in + c) * k + dy) * k + dx] * x[((n * in + c) * h + py * k + dy) * wd + px * k + dx];
                  }
                }
              }
              assertEquals(want, got[(n * gh * gw + py * gw + px) * out + o], 1e-5);
            }
          }
        }
      }
    }
  }
}
