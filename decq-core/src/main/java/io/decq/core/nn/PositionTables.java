package io.decq.core.nn;

/** Fixed position tables shared by the models (computed in float64, stored as float32). */
public final class PositionTables {
  private PositionTables() {}

  /**
   * MAE's 2D sin-cos position table ({@code get_2d_sincos_pos_embed}), (g*g, D) row-major, with an extra
   * zero first row when {@code clsRow}. Token n = row * g + col; the first D/2 channels encode the column,
   * the last D/2 the row, each as [sin(pos * w_k) ; cos(pos * w_k)] with w_k = 10000^(-k / (D/4)), k < D/4.
   */
  public static float[] sinCos2d(int dim, int grid, boolean clsRow) {
    if (dim % 4 != 0) {
      throw new IllegalArgumentException("2D sin-cos positions need a width divisible by 4, got " + dim);
    }
    int quarter = dim / 4;
    int first = clsRow ? 1 : 0;
    float[] out = new float[(first + grid * grid) * dim];
    for (int row = 0; row < grid; row++) {
      for (int col = 0; col < grid; col++) {
        int base = (first + row * grid + col) * dim;
        for (int k = 0; k < quarter; k++) {
          double omega = 1.0 / Math.pow(10000.0, k / (double) quarter);
          out[base + k] = (float) Math.sin(col * omega);
          out[base + quarter + k] = (float) Math.cos(col * omega);
          out[base + 2 * quarter + k] = (float) Math.sin(row * omega);
          out[base + 3 * quarter + k] = (float) Math.cos(row * omega);
        }
      }
    }
    return out;
  }
}
