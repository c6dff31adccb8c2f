package io.decq.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Analytic properties of the resize matrices, and their application against direct sums. */
class ResizeMatrixTest {

  @Test
  void sameSizeIsIdentity() {
    for (double[][] m : new double[][][] {ResizeMatrix.bicubic(9, 9), ResizeMatrix.bicubicAntialias(9, 9)}) {
      for (int i = 0; i < 9; i++) {
        for (int j = 0; j < 9; j++) {
          assertEquals(i == j ? 1.0 : 0.0, m[i][j], 1e-15);
        }
      }
    }
  }

  @Test
  void rowsSumToOne() {
    int[][] sizes = {{256, 224}, {37, 16}, {16, 37}, {5, 3}, {3, 11}};
    for (int[] s : sizes) {
      for (double[][] m : new double[][][] {ResizeMatrix.bicubic(s[0], s[1]), ResizeMatrix.bicubicAntialias(s[0], s[1])}) {
        for (double[] row : m) {
          double sum = 0;
          for (double v : row) {
            sum += v;
          }
          assertEquals(1.0, sum, 1e-12);
        }
      }
    }
  }

  /** Keys' cubic interpolates: where a source coordinate falls on a sample, the row is that sample. */
  @Test
  void bicubicInterpolatesAtSamples() {
    double[][] m = ResizeMatrix.bicubic(3, 9); // source coordinate (i + 0.5) / 3 - 0.5 = (i - 1) / 3
    for (int i : new int[] {1, 4, 7}) {
      for (int j = 0; j < 3; j++) {
        assertEquals(j == (i - 1) / 3 ? 1.0 : 0.0, m[i][j], 1e-15, "row " + i);
      }
    }
  }

  /** Both resizes commute with mirroring the axis (symmetric kernels, symmetric border handling). */
  @Test
  void matricesAreMirrorSymmetric() {
    int[][] sizes = {{256, 224}, {37, 16}, {16, 37}, {7, 3}};
    for (int[] s : sizes) {
      for (double[][] m : new double[][][] {ResizeMatrix.bicubic(s[0], s[1]), ResizeMatrix.bicubicAntialias(s[0], s[1])}) {
        for (int i = 0; i < s[1]; i++) {
          for (int j = 0; j < s[0]; j++) {
            assertEquals(m[i][j], m[s[1] - 1 - i][s[0] - 1 - j], 1e-12, s[0] + "->" + s[1] + " at " + i + "," + j);
          }
        }
      }
    }
  }

  @Test
  void applyEqualsDirectSums() {
    double[][] rows = ResizeMatrix.bicubic(5, 4);
    double[][] cols = ResizeMatrix.bicubicAntialias(7, 9);
    Random r = new Random(3);
    float[] x = new float[2 * 3 * 5 * 7];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) r.nextGaussian();
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray y = ResizeMatrix.apply(m.create(x, new Shape(2, 3, 5, 7)), rows, cols);
      assertArrayEquals(new long[] {2, 3, 4, 9}, y.getShape().getShape());
      float[] got = y.toFloatArray();
      for (int p = 0; p < 6; p++) {
        for (int i = 0; i < 4; i++) {
          for (int j = 0; j < 9; j++) {
            double want = 0;
            for (int a = 0; a < 5; a++) {
              for (int b = 0; b < 7; b++) {
                want += rows[i][a] * x[p * 35 + a * 7 + b] * cols[j][b];
              }
            }
            assertEquals(want, got[p * 36 + i * 9 + j], 1e-5);
          }
        }
      }
    }
  }
}
